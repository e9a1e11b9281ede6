package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestPolicyTimeouts: idle-timeout (global, 4 s) and session-timeout (per
// user, 3 s) end sessions.
//   - "idler" sends nothing; its per-user file sets idle-timeout = 1000,
//     which ocserv 1.1.6 ignores (the worker reads the vhost's value), so
//     the session still ends with reason "idle timeout"; the cookie stays
//     valid.
//   - "sessioner" pings through the tunnel (never idle); its session ends
//     with reason "session timeout", the cookie dies with it, so
//     openconnect's reconnect is refused and it exits.
//
// ocserv checks the timers about every 30 s, so the windows are generous;
// the two servers run in parallel, each in its own rig.
func TestPolicyTimeouts(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			r := rig.New(t, rig.Options{Clients: 2})
			r.AddUser("idler", "idler-Pass-1")
			r.AddUser("sessioner", "sessioner-Pass-1")
			dir := filepath.Join(r.Dir, "per-user")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "idler"), []byte("idle-timeout = 1000\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "sessioner"), []byte("session-timeout = 3\n"), 0o644)
			cfg := r.NewConfig().Set("config-per-user", dir+"/").Set("idle-timeout", "4")
			srv := startKind(t, r, kind, cfg)
			defer srv.Stop()
			start := time.Now()
			cs := r.Connect(rig.ClientOptions{Link: 1, User: "sessioner", Password: "sessioner-Pass-1", NoDTLS: true})
			r.Start(r.Link(1).NS, "pinger", "ping", "-q", "-i", "0.5", "-w", "50", r.ServerTunAddr().String())
			ci := r.Connect(rig.ClientOptions{Link: 0, User: "idler", Password: "idler-Pass-1", NoDTLS: true})
			defer ci.Disconnect()
			waitGone(t, cs, 50*time.Second)
			el := time.Since(start)
			if el < 3*time.Second {
				t.Errorf("session-timeout user gone after %v, before its 3 s", el)
			}
			t.Logf("session-timeout user's openconnect exited after %v", el.Round(time.Second))
			if !srv.WaitLog("reason: idle timeout", 50*time.Second-time.Since(start)) {
				t.Errorf("no idle-timeout disconnect logged:\n%s", grepLines(srv.Log(), "disconnected"))
			}
			t.Logf("idle timeout logged after %v", time.Since(start).Round(time.Second))
			for _, l := range splitLines(grepLines(srv.Log(), "user disconnected")) {
				idle, sess := strings.Contains(l, "idle timeout"), strings.Contains(l, "session timeout")
				switch {
				case strings.Contains(l, "[idler]") && !idle:
					t.Errorf("idler ended otherwise: %s", l)
				case strings.Contains(l, "[sessioner]") && !sess:
					t.Errorf("sessioner ended otherwise: %s", l)
				}
			}
		})
	}
}
