package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// startHAProxy runs haproxy (TCP mode) in the server namespace: it listens
// on the link's server address, port 8443, and forwards to the server's
// port 443 on 127.0.0.1 with the PROXY header sendOpt ("send-proxy-v2" or
// "send-proxy"). Killed by PID at cleanup.
func startHAProxy(t *testing.T, r *rig.Rig, name, sendOpt string) *rig.Process {
	t.Helper()
	rig.RequireProgram(t, "haproxy")
	conf := fmt.Sprintf(`global
	maxconn 64
defaults
	mode tcp
	timeout connect 5s
	timeout client 60s
	timeout server 60s
frontend fe
	bind %s:8443
	default_backend be
backend be
	server s1 127.0.0.1:443 %s
`, r.Links[0].ServerAddr, sendOpt)
	path := filepath.Join(t.TempDir(), name+".cfg")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	p := r.Start(r.ServerNS, name, "haproxy", "-db", "-f", path)
	t.Cleanup(func() { p.Stop(5 * time.Second) })
	listening := func() bool {
		out, _ := r.Exec(r.ServerNS, "ss", "-Hltn", "sport = :8443")
		return strings.Contains(out, "8443")
	}
	if !rig.WaitFor(10*time.Second, listening) {
		t.Fatalf("haproxy not listening: %s", p.Log())
	}
	return p
}

// TestListenProxyProto: listen-proxy-proto = true behind haproxy in TCP
// mode. With send-proxy-v2 openconnect logs in through the proxy (CSTP),
// the connect-script sees IP_REAL = the client's address and
// IP_REAL_LOCAL = the address it connected to, occtl shows the client's
// address, and DTLS, which goes straight to the server's UDP port, comes
// up the same way on both servers (main matches the UDP session by the
// real address). The same holds with send-proxy (v1): ocserv 1.1.6 parses
// both header versions.
func TestListenProxyProto(t *testing.T) {
	r := rig.New(t, rig.Options{})
	r.AddUser("alice", "alice-Pass-1")
	l := r.Links[0]
	dtls := map[serverKind]bool{}
	for _, kind := range coreServers() {
		for _, v := range []string{"send-proxy-v2", "send-proxy"} {
			t.Run(string(kind)+"/"+v, func(t *testing.T) {
				hp := startHAProxy(t, r, "haproxy-"+string(kind)+"-"+v, v)
				script, dir := scriptDumper(t, r, "proxy-"+string(kind)+"-"+v, 0)
				cfg := r.NewConfig().Set("listen-proxy-proto", "true").Set("connect-script", script)
				srv := startKind(t, r, kind, cfg)
				defer srv.Stop()
				defer hp.Stop(5 * time.Second)
				opt := rig.ClientOptions{User: "alice", Password: "alice-Pass-1", Port: 8443, Timeout: 20 * time.Second}
				c := r.Connect(opt)
				env := waitScriptEnv(t, dir, "connect-alice-", 10*time.Second)
				if env["IP_REAL"] != l.ClientAddr.String() {
					t.Errorf("IP_REAL = %q, want the client's %s", env["IP_REAL"], l.ClientAddr)
				}
				if env["IP_REAL_LOCAL"] != l.ServerAddr.String() {
					t.Errorf("IP_REAL_LOCAL = %q, want %s (the address the client connected to)", env["IP_REAL_LOCAL"], l.ServerAddr)
				}
				if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
					t.Fatal(err)
				}
				out, err := srv.Occtl("", "show", "users")
				if err != nil || !strings.Contains(out, l.ClientAddr.String()) || strings.Contains(out, "127.0.0.1") {
					t.Errorf("occtl show users does not show the client's address %s (err %v):\n%s", l.ClientAddr, err, out)
				}
				up := rig.WaitFor(8*time.Second, func() bool { return strings.Contains(c.Log(), "Established DTLS connection") })
				t.Logf("%s %s: DTLS established directly to the server: %v", kind, v, up)
				if v == "send-proxy-v2" {
					dtls[kind] = up
				}
				if err := c.Disconnect(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
	if len(dtls) == 2 && dtls[realServer] != dtls[ourServer] {
		t.Errorf("DTLS behind the proxy: real ocserv %v, ours %v", dtls[realServer], dtls[ourServer])
	}
}
