package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestPolicyMaxSameClients: with max-same-clients = 1 a second login of
// the same user is refused (401 at CONNECT) while the first session keeps
// working; another user is not affected.
func TestPolicyMaxSameClients(t *testing.T) {
	r := rig.New(t, rig.Options{Clients: 3})
	r.AddUser("alice", "alice-Pass-1")
	r.AddUser("bob", "bob-Pass-1")
	runKinds(t, func(t *testing.T, kind serverKind) {
		srv := startKind(t, r, kind, r.NewConfig().Set("max-same-clients", "1"))
		defer srv.Stop()
		c0 := r.Connect(rig.ClientOptions{Link: 0, User: "alice", Password: "alice-Pass-1", NoDTLS: true})
		defer c0.Disconnect()
		res := r.ConnectFail(rig.ClientOptions{Link: 1, User: "alice", Password: "alice-Pass-1", NoDTLS: true, Timeout: 15 * time.Second})
		if why := refusedOK(res); why != "" {
			t.Fatalf("second alice not refused: %s\n%s", why, res.Output)
		}
		t.Logf("second alice: %s", describe(res))
		if err := c0.Ping(r.ServerTunAddr(), 2); err != nil {
			t.Errorf("first alice session broken: %v", err)
		}
		c2 := r.Connect(rig.ClientOptions{Link: 2, User: "bob", Password: "bob-Pass-1", NoDTLS: true})
		c2.Disconnect()
	})
}

// TestPolicyMaxClients: with max-clients = 2 the third connection is not
// served while two sessions are up (ocserv closes it or stops accepting
// until the number of clients falls below 90 % of the limit); once the
// sessions end, a new client gets in.
func TestPolicyMaxClients(t *testing.T) {
	r := rig.New(t, rig.Options{Clients: 3})
	r.AddUser("alice", "alice-Pass-1")
	runKinds(t, func(t *testing.T, kind serverKind) {
		srv := startKind(t, r, kind, r.NewConfig().Set("max-clients", "2"))
		defer srv.Stop()
		c0 := r.Connect(rig.ClientOptions{Link: 0, User: "alice", Password: "alice-Pass-1", NoDTLS: true})
		c1 := r.Connect(rig.ClientOptions{Link: 1, User: "alice", Password: "alice-Pass-1", NoDTLS: true})
		res := r.ConnectFail(rig.ClientOptions{Link: 2, User: "alice", Password: "alice-Pass-1", NoDTLS: true, Timeout: 8 * time.Second})
		if why := refusedOK(res); why != "" {
			t.Fatalf("third client not refused: %s\n%s", why, res.Output)
		}
		t.Logf("third client: %s\n%s", describe(res), tailLines(res.Output, 5))
		c0.Disconnect()
		c1.Disconnect()
		if !srv.WaitLog("user disconnected", 10*time.Second) {
			t.Fatal("no session end logged")
		}
		c2 := r.Connect(rig.ClientOptions{Link: 2, User: "alice", Password: "alice-Pass-1", NoDTLS: true, Timeout: 20 * time.Second})
		c2.Disconnect()
		if kind == realServer {
			t.Logf("real ocserv log lines about the limit:\n%s", grepLines(srv.Log(), "maximum client limit"))
		}
	})
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range splitLines(s) {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
