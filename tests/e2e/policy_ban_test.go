package e2e

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestPolicyBan: wrong passwords from one client address get it banned
// (max-ban-score 30, 10 points per wrong password, 1 per connection): the
// next connection from it is refused at connect while another address
// logs in; once min-reauth-time has passed the address gets in again.
// Clients inside a subnet of the server's interfaces are never banned
// (link 2 keeps its rig address and is let in after the same failures);
// links 0 and 1 use addresses outside those subnets (outsideSource).
func TestPolicyBan(t *testing.T) {
	const reauth = 6
	r := rig.New(t, rig.Options{Clients: 3})
	r.AddUser("alice", "alice-Pass-1")
	outsideSource(t, r, 0, netip.MustParseAddr("192.0.2.10"))
	outsideSource(t, r, 1, netip.MustParseAddr("192.0.2.20"))
	ok := rig.ClientOptions{User: "alice", Password: "alice-Pass-1", NoDTLS: true}
	bad := rig.ClientOptions{User: "alice", Password: "wrong-Pass", NoDTLS: true, Timeout: 10 * time.Second}
	on := func(o rig.ClientOptions, link int) rig.ClientOptions { o.Link = link; return o }
	refExit := -2
	runKinds(t, func(t *testing.T, kind serverKind) {
		cfg := r.NewConfig().Set("max-ban-score", "30").Set("ban-points-wrong-password", "10").
			Set("ban-points-connection", "1").Set("ban-reset-time", "300").
			Set("min-reauth-time", strconv.Itoa(reauth))
		srv := startKind(t, r, kind, cfg)
		defer srv.Stop()
		for i := 0; i < 3; i++ {
			if res := r.ConnectFail(on(bad, 0)); !strings.Contains(res.Output, "Login failed") {
				t.Fatalf("wrong password %d from link 0: no login failure (%s)\n%s", i+1, describe(res), res.Output)
			}
			if res := r.ConnectFail(on(bad, 2)); !strings.Contains(res.Output, "Login failed") {
				t.Fatalf("wrong password %d from link 2: no login failure (%s)\n%s", i+1, describe(res), res.Output)
			}
		}
		banned := time.Now()
		res := r.ConnectFail(on(ok, 0))
		if why := refusedOK(res); why != "" {
			t.Fatalf("banned address not refused: %s\n%s", why, res.Output)
		}
		if strings.Contains(res.Output, "Login failed") || strings.Contains(res.Output, "Please enter") {
			t.Errorf("banned address got as far as the login form:\n%s", res.Output)
		}
		t.Logf("banned address: %s\n%s", describe(res), tailLines(res.Output, 4))
		if kind == realServer {
			refExit = res.ExitCode
		} else if res.ExitCode != refExit {
			t.Errorf("banned address: openconnect exit %d, the real ocserv gives %d", res.ExitCode, refExit)
		}

		c1 := r.Connect(on(ok, 1))
		c1.Disconnect()
		c2 := r.Connect(on(ok, 2))
		c2.Disconnect()
		if l := grepLines(srv.Log(), "banned IP"); !strings.Contains(l, "192.0.2.10") || strings.Contains(l, "192.0.2.20") {
			t.Errorf("ban log lines:\n%s", l)
		}

		if wait := time.Until(banned.Add((reauth + 1) * time.Second)); wait > 0 {
			time.Sleep(wait)
		}
		c0 := r.Connect(on(ok, 0))
		c0.Disconnect()
	})
}
