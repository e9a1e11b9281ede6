package e2e

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestCoreTwentyClients (criterion 4): 20 clients (one per namespace)
// with predictable-ips each get, connecting one after the other, the
// address the real ocserv gives them for the same usernames, pool and order
// (the real one runs first in the same rig); then all 20 connect at once,
// their addresses are distinct pool addresses, each one pings through its tunnel; after one disconnects the others
// still pass traffic and its address is handed out again when the same
// user comes back.
func TestCoreTwentyClients(t *testing.T) {
	const n = 20
	const gone = 7
	r := rig.New(t, rig.Options{Clients: n})
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("user%02d", i)
		r.AddUser(users[i], "pw-"+users[i])
	}
	ref := map[string]netip.Addr{}
	for _, kind := range []serverKind{realServer, ourServer} {
		if kind == ourServer && !wantServer(ourServer) {
			continue
		}
		ok := t.Run(string(kind), func(t *testing.T) {
			srv := startKind(t, r, kind, r.NewConfig())
			defer srv.Stop()
			// Predictable addresses: one user after the other, so that a
			// collision of two users' hashes resolves the same way each run.
			for i, u := range users {
				c := r.Connect(rig.ClientOptions{Link: i, User: u, Password: "pw-" + u, NoDTLS: true})
				a := c.IP()
				if kind == realServer {
					ref[u] = a
				} else if want := ref[u]; a != want {
					t.Errorf("%s got %v, the real ocserv gives %v (predictable-ips, same pool, same order)", u, a, want)
				}
				if err := c.Disconnect(); err != nil {
					t.Fatal(err)
				}
			}
			waitWorkers(t, r, 0)

			// All at once.
			start := time.Now()
			cs := make([]*rig.Client, n)
			for i := range cs {
				cs[i] = r.StartClient(rig.ClientOptions{Link: i, User: users[i], Password: "pw-" + users[i], NoDTLS: true})
			}
			for i, c := range cs {
				if err := c.WaitUp(45 * time.Second); err != nil {
					t.Fatalf("client %d (%s): %v\n%s", i, users[i], err, c.Log())
				}
			}
			t.Logf("%d clients up in %v", n, time.Since(start).Round(time.Millisecond))
			addrs := clientAddrs(t, r, cs)
			for i, err := range pingAll(r, cs) {
				t.Errorf("client %d ping: %v", i, err)
			}
			waitWorkers(t, r, n)

			if err := cs[gone].Disconnect(); err != nil {
				t.Fatal(err)
			}
			waitWorkers(t, r, n-1)
			left := append([]*rig.Client{}, cs...)
			left[gone] = nil
			for i, err := range pingAll(r, left) {
				t.Errorf("after one disconnect, client %d ping: %v", i, err)
			}
			for i, c := range left {
				if c != nil && !c.Running() {
					t.Errorf("client %d exited when another disconnected", i)
				}
			}
			// The address is free again: the same user gets it back.
			back := r.Connect(rig.ClientOptions{Link: gone, User: users[gone], Password: "pw-" + users[gone], NoDTLS: true})
			if back.IP() != addrs[gone] {
				t.Errorf("%s came back with %v, want its freed address %v", users[gone], back.IP(), addrs[gone])
			}
			if err := back.Ping(r.ServerTunAddr(), 2); err != nil {
				t.Errorf("returning client ping: %v", err)
			}
			cs[gone] = back
			for _, c := range cs {
				c.Disconnect()
			}
			waitWorkers(t, r, 0)
		})
		if !ok && kind == realServer {
			t.Fatal("the reference run with the real ocserv failed")
		}
	}
}
