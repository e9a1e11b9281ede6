package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// Issue 10: authentication methods behave as ocserv's.

// TestAuthMiscCertThenPassword: auth = "certificate" with enable-auth =
// "plain[...]". A client without a certificate gets the password form
// (ocserv's worker switches to the next enabled method when no
// certificate was presented) and logs in with its password; a client
// with a certificate still logs in with it alone.
func TestAuthMiscCertThenPassword(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			carol := clientCert(t, r.PKI, "carol")
			cfg := certConfig(r, "").Del("cert-group-oid").
				Set("auth", `"certificate"`).
				Set("enable-auth", fmt.Sprintf(`"plain[passwd=%s]"`, r.PasswdFile))
			startKind(t, r, kind, cfg)

			c := mustLogin(t, r, "password without a certificate", rig.ClientOptions{User: "alice", Password: "alice-Pass-1"})
			c.Disconnect()
			c = mustLogin(t, r, "certificate alone", rig.ClientOptions{Cert: carol})
			c.Disconnect()
			mustRefuse(t, r, "wrong password, no certificate", rig.ClientOptions{User: "alice", Password: "wrong\nwrong\nwrong"})
		})
	}
}

// TestAuthMiscRadiusInitFails: a RADIUS method whose module cannot start
// (the radcli configuration names a dictionary that does not exist:
// ocserv's radius vhost_init prints "error reading the radius dictionary"
// and its sec-mod exits, so main terminates): both servers stop; ours
// says which method and which file. The exit codes are those of any
// sec-mod death: 0 for ocserv 1.1.6, 1 for ours (docs/compat.md: a
// deliberate difference, a server that could not start does not report
// success). A missing
// servers file is not such a case: radcli opens it only when it sends a
// request, so ocserv starts (and fails the logins).
func TestAuthMiscRadiusInitFails(t *testing.T) {
	if _, err := os.Stat("/etc/radcli/dictionary"); err != nil {
		t.Fatalf("radcli dictionary (package libradcli4): %v", err)
	}
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			missing := filepath.Join(r.Dir, "no-such-dictionary")
			servers := filepath.Join(r.Dir, "radcli-servers")
			if err := os.WriteFile(servers, []byte("127.0.0.1\t"+radiusSecret+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			conf := filepath.Join(r.Dir, "radiusclient.conf")
			body := "authserver\t127.0.0.1:1812\nacctserver\t127.0.0.1:1813\nservers\t" + servers +
				"\ndictionary\t" + missing + "\ndefault_realm\nradius_timeout\t3\nradius_retries\t1\nbindaddr\t*\n"
			if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := r.NewConfig().Set("auth", fmt.Sprintf(`"radius[config=%s]"`, conf))
			srv := r.StartServer(cfg, rig.ServerOptions{Binary: serverBinary(t, kind), Debug: 3, NoWait: true})
			if !srv.WaitExit(20 * time.Second) {
				t.Fatalf("the server is still running with a RADIUS method that cannot start\n%s", tail(srv.Log(), 30))
			}
			// ocserv 1.1.6's main treats its sec-mod's death as a
			// termination request and exits 0; ours exits 1.
			want := map[serverKind]int{realServer: 0, ourServer: 1}[kind]
			if srv.ExitCode() != want {
				t.Fatalf("exit code %d, want %d\n%s", srv.ExitCode(), want, tail(srv.Log(), 30))
			}
			if kind == ourServer {
				log := srv.Log()
				line := ""
				for _, l := range strings.Split(log, "\n") {
					if strings.Contains(l, missing) {
						line = l
					}
				}
				if !strings.Contains(line, "radius") {
					t.Fatalf("ours did not name the method and the file\n%s", tail(log, 30))
				}
				t.Logf("ours: %s", line)
			}
		})
	}
}

// TestAuthMiscRadiusNoServersFile: the radcli configuration names a
// servers file that does not exist. radcli opens it only when it sends a
// request, so both servers start, and a login is refused (no RADIUS
// server is reachable without its secret); ours logs why. Then the
// dictionary is removed and the server reloaded (SIGHUP): ocserv's
// sec-mod re-runs vhost_init only for modules not initialised yet, so
// nothing is re-read and both keep running.
func TestAuthMiscRadiusNoServersFile(t *testing.T) {
	if _, err := os.Stat("/etc/radcli/dictionary"); err != nil {
		t.Fatalf("radcli dictionary (package libradcli4): %v", err)
	}
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			missing := filepath.Join(r.Dir, "no-such-servers")
			dict := filepath.Join(r.Dir, "dictionary")
			if out, err := runCmd(10*time.Second, "cp", "/etc/radcli/dictionary", dict); err != nil {
				t.Fatalf("copying the dictionary: %v\n%s", err, out)
			}
			conf := filepath.Join(r.Dir, "radiusclient.conf")
			body := "authserver\t127.0.0.1:1812\nacctserver\t127.0.0.1:1813\nservers\t" + missing +
				"\ndictionary\t" + dict + "\ndefault_realm\nradius_timeout\t3\nradius_retries\t1\nbindaddr\t*\n"
			if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := r.NewConfig().Set("auth", fmt.Sprintf(`"radius[config=%s]"`, conf))
			srv := startKind(t, r, kind, cfg)
			mustRefuse(t, r, "login without a servers file", rig.ClientOptions{User: "alice", Password: "alice-Pass-1"})
			if !srv.Running() {
				t.Fatalf("the server stopped\n%s", tail(srv.Log(), 30))
			}
			if kind == ourServer && !srv.WaitLog(missing, 5*time.Second) {
				t.Errorf("ours did not say which servers file is missing\n%s", tail(srv.Log(), 30))
			}
			if err := os.Remove(dict); err != nil {
				t.Fatal(err)
			}
			if err := srv.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			if srv.WaitExit(5 * time.Second) {
				t.Fatalf("the server stopped on reload (exit %d)\n%s", srv.ExitCode(), tail(srv.Log(), 30))
			}
			mustRefuse(t, r, "login after the reload", rig.ClientOptions{User: "alice", Password: "alice-Pass-1"})
		})
	}
}

// authMiscCookieTimeout is the cookie-timeout of TestAuthMiscCookieKilled.
const authMiscCookieTimeout = 10

// TestAuthMiscCookieKilled: the client is killed (SIGKILL: no BYE) while
// its tunnel is up, with DTLS. Its cookie opens a new tunnel within
// cookie-timeout, and still cookie-timeout + 7 s after the session ended
// (ocserv adds AUTH_SLACK_TIME, 15 s); once cookie-timeout + 15 s and a
// margin passed after the session ended, it is refused.
func TestAuthMiscCookieKilled(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			cfg := r.NewConfig().Set("cookie-timeout", fmt.Sprint(authMiscCookieTimeout))
			startKind(t, r, kind, cfg)

			cookie, res := authCookie(r, 0, "alice", "alice-Pass-1")
			if cookie == "" || res.ExitCode != 0 {
				t.Fatalf("openconnect --authenticate: exit %d, no cookie:\n%s", res.ExitCode, res.Output)
			}
			authMiscKill(t, r, cookie, "first connection")
			// Within cookie-timeout: accepted.
			authMiscKill(t, r, cookie, "within cookie-timeout")
			// Past cookie-timeout but within the 15 s of slack: accepted.
			time.Sleep((authMiscCookieTimeout + 7) * time.Second)
			authMiscKill(t, r, cookie, "cookie-timeout + 7 s after the close")

			time.Sleep((authMiscCookieTimeout + 15 + 5) * time.Second)
			res = r.ConnectFail(rig.ClientOptions{Stdin: "\n", Args: []string{"--cookie", cookie}})
			if res.TunnelUp || res.ExitCode == 0 || !strings.Contains(res.Output, "Cookie was rejected") {
				t.Errorf("cookie after cookie-timeout + 15 s: exit %d, tunnel up %v, want rejected:\n%s", res.ExitCode, res.TunnelUp, res.Output)
			}
		})
	}
}

// authMiscKill connects with the cookie (DTLS on), checks the tunnel and
// kills openconnect with SIGKILL; it returns once the server's worker
// is gone.
func authMiscKill(t *testing.T, r *rig.Rig, cookie, what string) {
	t.Helper()
	c := r.StartClient(rig.ClientOptions{Stdin: "\n", Args: []string{"--cookie", cookie}})
	if err := c.WaitUp(20 * time.Second); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, c.Log())
	}
	if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	syscall.Kill(c.PID(), syscall.SIGKILL)
	if !c.WaitExit(5 * time.Second) {
		t.Fatalf("openconnect %d did not die", c.PID())
	}
	waitWorkers(t, r, 0)
}
