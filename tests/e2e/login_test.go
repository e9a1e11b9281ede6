package e2e

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestRealOcservLoginPingDisconnect checks the rig against the real ocserv:
// login with a password made by the real ocpasswd, the pushed address,
// route and DNS, a ping through the tunnel, and the clean end of the session.
func TestRealOcservLoginPingDisconnect(t *testing.T) {
	for _, tc := range []struct {
		name string
		dtls bool
	}{{"cstp", false}, {"dtls", true}} {
		t.Run(tc.name, func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-secret-1")
			cfg := r.NewConfig()
			// At -d 3 ocserv's main process logs the end of each session.
			srv := r.StartServer(cfg, rig.ServerOptions{Debug: 3})

			c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-secret-1", NoDTLS: !tc.dtls})

			ip := c.IP()
			if !r.PoolNet.Contains(ip) || ip == r.ServerTunAddr() {
				t.Fatalf("client address %v not a client address in pool %v", ip, r.PoolNet)
			}
			wantRoute := netip.MustParsePrefix(r.DefaultRoute())
			if got := c.Routes(); !slices.Contains(got, wantRoute) {
				t.Errorf("routes = %v, want to contain %v", got, wantRoute)
			}
			if got := c.DNS(); !slices.Equal(got, []string{r.DefaultDNS()}) {
				t.Errorf("DNS = %v, want [%s]", got, r.DefaultDNS())
			}
			if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
				t.Fatalf("ping through the tunnel: %v", err)
			}
			if tc.dtls {
				if !rig.WaitFor(10*time.Second, func() bool {
					return strings.Contains(c.Log(), "Established DTLS connection")
				}) {
					t.Fatalf("DTLS was not established; client log:\n%s", c.Log())
				}
				if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
					t.Fatalf("ping over DTLS: %v", err)
				}
			}

			devs := serverTunDevices(t, r)
			if len(devs) != 1 {
				t.Fatalf("server tun devices while connected = %v, want one", devs)
			}
			if err := c.Disconnect(); err != nil {
				t.Fatal(err)
			}
			r.WaitFor(10*time.Second, "server tun device removed", func() bool {
				return len(serverTunDevices(t, r)) == 0
			})
			if ev := c.Events(); !slices.Contains(ev, "disconnect") {
				t.Errorf("client script events = %v, want a disconnect", ev)
			}
			if !srv.WaitLog("user disconnected (reason: user disconnected", 10*time.Second) {
				t.Fatalf("server log does not show the session end:\n%s", srv.Log())
			}
			if !srv.Stop() {
				t.Errorf("server did not exit on SIGTERM")
			}
		})
	}
}

// serverTunDevices lists the server namespace's interfaces named after the
// rig's device prefix.
func serverTunDevices(t *testing.T, r *rig.Rig) []string {
	t.Helper()
	names, err := r.Interfaces(r.ServerNS)
	if err != nil {
		t.Fatal(err)
	}
	var devs []string
	for _, n := range names {
		if strings.HasPrefix(n, r.Device()) {
			devs = append(devs, n)
		}
	}
	return devs
}
