package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// cookieAt connects with --cookie from the client namespace of link and
// reports whether the tunnel came up (the client is disconnected again).
func cookieAt(t *testing.T, r *rig.Rig, link int, cookie string) (bool, string) {
	t.Helper()
	res := r.ConnectFail(rig.ClientOptions{Link: link, NoDTLS: true, Stdin: "\n", Timeout: 15 * time.Second,
		Args: []string{"--cookie", cookie}})
	return res.TunnelUp, res.Output
}

// TestPolicyDenyRoaming (issue 5): with deny-roaming = true a cookie
// obtained from one address is refused when presented from another, and
// still accepted from the address it was issued to; with deny-roaming =
// false the other address may use it. (The tunnel a check brings up
// is ended with a logout, which invalidates the cookie.)
func TestPolicyDenyRoaming(t *testing.T) {
	for _, deny := range []string{"true", "false"} {
		t.Run("deny-roaming="+deny, func(t *testing.T) {
			runKinds(t, func(t *testing.T, kind serverKind) {
				r := rig.New(t, rig.Options{Clients: 2})
				r.AddUser("alice", "alice-Pass-1")
				startKind(t, r, kind, r.NewConfig().Set("deny-roaming", deny))
				cookie, res := authCookie(r, 0, "alice", "alice-Pass-1")
				if cookie == "" {
					t.Fatalf("--authenticate: no cookie:\n%s", res.Output)
				}
				up, out := cookieAt(t, r, 1, cookie)
				if want := deny == "false"; up != want {
					t.Errorf("cookie from another address: tunnel up %v, want %v\n%s", up, want, tailLines(out, 15))
				}
				waitWorkers(t, r, 0)
				if deny == "false" {
					return // ConnectFail logged out (SIGTERM): the cookie is gone
				}
				if up, out := cookieAt(t, r, 0, cookie); !up {
					t.Errorf("cookie from the address it was issued to: refused\n%s", tailLines(out, 15))
				}
			})
		})
	}
}

// TestPolicyPersistentCookies (issue 5): after a user-quit logout
// (openconnect SIGTERM: BYE) the session's cookie is still accepted with
// persistent-cookies = true, and refused ("Cookie was rejected") with
// persistent-cookies = false. (ocserv 1.1.6 gives the resumed session a
// new address with predictable-ips = false: the lease ended with the
// logout.)
func TestPolicyPersistentCookies(t *testing.T) {
	for _, persist := range []string{"true", "false"} {
		t.Run("persistent-cookies="+persist, func(t *testing.T) {
			runKinds(t, func(t *testing.T, kind serverKind) {
				r := rig.New(t, rig.Options{})
				r.AddUser("alice", "alice-Pass-1")
				startKind(t, r, kind, r.NewConfig().Set("persistent-cookies", persist).Set("predictable-ips", "false"))
				cookie, res := authCookie(r, 0, "alice", "alice-Pass-1")
				if cookie == "" {
					t.Fatalf("--authenticate: no cookie:\n%s", res.Output)
				}
				c := connectCookie(r, cookie)
				if err := c.WaitUp(20 * time.Second); err != nil {
					t.Fatalf("connect with the cookie: %v\n%s", err, c.Log())
				}
				if err := c.Disconnect(); err != nil {
					t.Fatal(err)
				}
				waitWorkers(t, r, 0)
				if persist == "false" {
					res := r.ConnectFail(rig.ClientOptions{NoDTLS: true, Stdin: "\n", Timeout: 15 * time.Second, Args: []string{"--cookie", cookie}})
					if res.TunnelUp || !strings.Contains(res.Output, "Cookie was rejected") {
						t.Errorf("cookie after a logout: tunnel up %v, want rejected\n%s", res.TunnelUp, tailLines(res.Output, 15))
					}
					return
				}
				c = connectCookie(r, cookie)
				if err := c.WaitUp(20 * time.Second); err != nil {
					t.Fatalf("cookie after a logout with persistent cookies: %v\n%s", err, c.Log())
				}
				if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
					t.Error(err)
				}
				c.Disconnect()
			})
		})
	}
}
