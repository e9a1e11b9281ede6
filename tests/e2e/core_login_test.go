package e2e

import (
	"net/netip"
	"slices"
	"testing"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestCoreLoginTraffic (criterion 1): a user from an ocpasswd file logs in
// with its password over CSTP only; the client gets a pool address, the
// configured routes and DNS (as the client script saw them); ping and a
// 50 MB TCP transfer in each direction cross the tunnel with matching
// SHA-256 on both ends.
func TestCoreLoginTraffic(t *testing.T) {
	const size = 50 << 20
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			route2 := "192.168.77.0/24"
			cfg := r.NewConfig().Add("route", route2).Add("dns", "10.99.0.54")
			startKind(t, r, kind, cfg)

			c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1", NoDTLS: true})
			ip := c.IP()
			if !r.PoolNet.Contains(ip) || ip == r.ServerTunAddr() {
				t.Fatalf("client address %v is not a client address of the pool %v", ip, r.PoolNet)
			}
			wantRoutes := []netip.Prefix{netip.MustParsePrefix(r.DefaultRoute()), netip.MustParsePrefix(route2)}
			slices.SortFunc(wantRoutes, func(a, b netip.Prefix) int { return compareStr(a.String(), b.String()) })
			if got := c.Routes(); !slices.Equal(got, wantRoutes) {
				t.Errorf("routes = %v, want %v", got, wantRoutes)
			}
			if got, want := c.DNS(), []string{r.DefaultDNS(), "10.99.0.54"}; !slices.Equal(got, want) {
				t.Errorf("DNS = %v, want %v", got, want)
			}
			if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
				t.Fatalf("ping through the tunnel: %v", err)
			}
			// client -> server: receiver on the server's tunnel address.
			srvAddr := r.ServerTunAddr().String()
			tcpTransfer(t, r, c.NS, r.ServerNS, srvAddr+":5001", srvAddr+":5001", size)
			// server -> client: receiver on the client's VPN address.
			tcpTransfer(t, r, r.ServerNS, c.NS, ip.String()+":5002", ip.String()+":5002", size)
			if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
				t.Fatalf("ping after the transfers: %v", err)
			}
			if err := c.Disconnect(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
