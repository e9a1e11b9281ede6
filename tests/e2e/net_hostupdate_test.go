package e2e

import (
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestNetHostUpdate: host-update-script runs once per session, after the
// DTLS channel came up, when the client sent a hostname (openconnect's
// X-CSTP-Hostname, set with --local-hostname), with REASON=host-update and
// the connect-script's environment; it never runs for a TCP-only session
// (--no-dtls). The host-update environment equals the real ocserv's.
func TestNetHostUpdate(t *testing.T) {
	r := rig.New(t, rig.Options{Clients: 2})
	r.AddUser("hualice", "alice-Pass-1")
	r.AddUser("hubob", "bob-Pass-1")
	ref := map[string]scriptRun{}
	runKinds(t, func(t *testing.T, kind serverKind) {
		script, dir := scriptDumper(t, r, "hu-"+string(kind), 0)
		cfg := r.NewConfig().Set("connect-script", script).Set("host-update-script", script)
		srv := startKind(t, r, kind, cfg)
		defer srv.Stop()

		// DTLS session with a hostname: one host-update run
		ca := r.Connect(rig.ClientOptions{Link: 0, User: "hualice", Password: "alice-Pass-1",
			Args: []string{"--local-hostname=alice-laptop"}})
		con := waitScriptEnv(t, dir, "connect-hualice-", 10*time.Second)
		hu := waitScriptEnv(t, dir, "host-update-hualice-", 15*time.Second)
		if !rig.WaitFor(10*time.Second, func() bool { return strings.Contains(ca.Log(), "Established DTLS connection") }) {
			t.Errorf("alice's DTLS channel did not come up:\n%s", tailLines(ca.Log(), 20))
		}
		if err := ca.Ping(r.ServerTunAddr(), 2); err != nil {
			t.Error(err)
		}

		// TCP-only session with a hostname: none
		cb := r.Connect(rig.ClientOptions{Link: 1, User: "hubob", Password: "bob-Pass-1", NoDTLS: true,
			Args: []string{"--local-hostname=bob-desktop"}})
		conb := waitScriptEnv(t, dir, "connect-hubob-", 10*time.Second)
		if err := cb.Ping(r.ServerTunAddr(), 2); err != nil {
			t.Error(err)
		}
		time.Sleep(3 * time.Second)
		if n := len(scriptEnvs(dir, "host-update-hubob-")); n != 0 {
			t.Errorf("host-update-script ran %d times for a TCP-only session", n)
		}
		if n := len(scriptEnvs(dir, "host-update-hualice-")); n != 1 {
			t.Errorf("host-update-script ran %d times for alice's session, want 1", n)
		}
		if err := ca.Disconnect(); err != nil {
			t.Fatal(err)
		}
		if err := cb.Disconnect(); err != nil {
			t.Fatal(err)
		}
		if n := len(scriptEnvs(dir, "host-update-")); n != 1 {
			t.Errorf("host-update-script runs after disconnect: %d, want 1", n)
		}

		for k, w := range map[string]string{"REASON": "host-update", "HOSTNAME": "alice-laptop", "REMOTE_HOSTNAME": "alice-laptop", "USERNAME": "hualice"} {
			if hu[k] != w {
				t.Errorf("host-update %s = %q, want %q", k, hu[k], w)
			}
		}
		if hu["ID"] != con["ID"] {
			t.Errorf("host-update ID %q, connect ID %q", hu["ID"], con["ID"])
		}
		if conb["HOSTNAME"] != "bob-desktop" {
			t.Errorf("bob's connect HOSTNAME = %q, want bob-desktop", conb["HOSTNAME"])
		}
		// the host-update environment is the connect one with another REASON
		mc, mh := maskEnv(r, con), maskEnv(r, hu)
		mc["REASON"] = "host-update"
		if d := diffEnv(mh, mc); len(d) > 0 {
			t.Errorf("host-update environment differs from the connect one:\n%s", strings.Join(d, "\n"))
		}
		got := map[string]scriptRun{"connect": maskEnv(r, con), "host-update": mh, "connect-tcp": maskEnv(r, conb)}
		if kind == realServer {
			for k, v := range got {
				ref[k] = v
			}
			var keys []string
			for k, v := range mh {
				if os.Getenv(k) != v {
					keys = append(keys, k+"="+v)
				}
			}
			sort.Strings(keys)
			t.Logf("real ocserv host-update environment (inherited variables left out):\n%s", strings.Join(keys, "\n"))
			return
		}
		for k, w := range ref {
			if d := diffEnv(got[k], w); len(d) > 0 {
				t.Errorf("%s environment differs from the real ocserv's:\n%s", k, strings.Join(d, "\n"))
			}
		}
	})
}
