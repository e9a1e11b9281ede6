package e2e

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// cookieTimeout is the short cookie-timeout of TestCoreCookie; ocserv keeps
// a cookie valid for cookie-timeout + 15 s (AUTH_SLACK_TIME) after its
// last session ended.
const cookieTimeout = 5

// connectCookie starts openconnect with --cookie (no authentication).
func connectCookie(r *rig.Rig, cookie string) *rig.Client {
	return r.StartClient(rig.ClientOptions{NoDTLS: true, Stdin: "\n", Args: []string{"--cookie", cookie}})
}

// dropClient ends openconnect with SIGKILL: the TCP connection closes
// without a BYE, so the cookie stays valid (no user quit).
func dropClient(t *testing.T, r *rig.Rig, c *rig.Client) {
	t.Helper()
	syscall.Kill(c.PID(), syscall.SIGKILL)
	if !c.WaitExit(5 * time.Second) {
		t.Fatalf("openconnect %d did not die", c.PID())
	}
	waitWorkers(t, r, 0)
}

// TestCoreCookie (criterion 6): a cookie from `openconnect --authenticate`
// opens a tunnel with `openconnect --cookie`; the same cookie used while
// that connection hangs takes the session over with the same address
// (predictable-ips off, so the address is the session's, not the user's);
// after the client vanished without logging out the cookie still opens a
// tunnel within cookie-timeout; once cookie-timeout + 15 s passed after
// the session ended it is refused; after a user-quit logout (SIGTERM:
// openconnect sends BYE 0xB0) it is refused at once.
func TestCoreCookie(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			cfg := r.NewConfig().Set("cookie-timeout", "5").Set("predictable-ips", "false")
			startKind(t, r, kind, cfg)

			cookie, res := authCookie(r, 0, "alice", "alice-Pass-1")
			if cookie == "" || res.ExitCode != 0 {
				t.Fatalf("openconnect --authenticate: exit %d, no cookie:\n%s", res.ExitCode, res.Output)
			}
			c1 := connectCookie(r, cookie)
			if err := c1.WaitUp(20 * time.Second); err != nil {
				t.Fatalf("connect with the cookie: %v\n%s", err, c1.Log())
			}
			ip := c1.IP()
			if err := c1.Ping(r.ServerTunAddr(), 2); err != nil {
				t.Fatal(err)
			}
			// Resume while the old connection hangs (client frozen): the
			// new connection takes over the session and its address.
			syscall.Kill(c1.PID(), syscall.SIGSTOP)
			c2 := connectCookie(r, cookie)
			if err := c2.WaitUp(20 * time.Second); err != nil {
				t.Fatalf("resume with the cookie of a live session: %v\n%s", err, c2.Log())
			}
			if c2.IP() != ip {
				t.Errorf("resumed session got %v, the session it took over had %v", c2.IP(), ip)
			}
			syscall.Kill(c1.PID(), syscall.SIGKILL)
			c1.WaitExit(5 * time.Second)
			waitWorkers(t, r, 1)
			if err := c2.Ping(r.ServerTunAddr(), 2); err != nil {
				t.Fatal(err)
			}
			dropClient(t, r, c2)

			// Resume within cookie-timeout after the session ended without
			// a logout.
			c3 := connectCookie(r, cookie)
			if err := c3.WaitUp(20 * time.Second); err != nil {
				t.Fatalf("resume with the cookie within cookie-timeout: %v\n%s", err, c3.Log())
			}
			if err := c3.Ping(r.ServerTunAddr(), 2); err != nil {
				t.Fatal(err)
			}
			dropClient(t, r, c3)

			// Expired: cookie-timeout + 15 s + slack after the session ended.
			time.Sleep((cookieTimeout + 15 + 3) * time.Second)
			res = r.ConnectFail(rig.ClientOptions{NoDTLS: true, Stdin: "\n", Args: []string{"--cookie", cookie}})
			if res.TunnelUp || res.ExitCode == 0 || !strings.Contains(res.Output, "Cookie was rejected") {
				t.Errorf("expired cookie: exit %d, tunnel up %v, want rejected:\n%s", res.ExitCode, res.TunnelUp, res.Output)
			}

			// User quit: a fresh cookie, a session, SIGTERM (BYE 0xB0).
			cookie, res = authCookie(r, 0, "alice", "alice-Pass-1")
			if cookie == "" {
				t.Fatalf("second --authenticate: no cookie:\n%s", res.Output)
			}
			c4 := connectCookie(r, cookie)
			if err := c4.WaitUp(20 * time.Second); err != nil {
				t.Fatalf("connect with the second cookie: %v\n%s", err, c4.Log())
			}
			if err := c4.Disconnect(); err != nil {
				t.Fatal(err)
			}
			waitWorkers(t, r, 0)
			res = r.ConnectFail(rig.ClientOptions{NoDTLS: true, Stdin: "\n", Args: []string{"--cookie", cookie}})
			if res.TunnelUp || res.ExitCode == 0 || !strings.Contains(res.Output, "Cookie was rejected") {
				t.Errorf("cookie after a user quit: exit %d, tunnel up %v, want rejected:\n%s", res.ExitCode, res.TunnelUp, res.Output)
			}
		})
	}
}
