package e2e

import (
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestPolicyVhosts: two virtual hosts on one port, chosen by TLS SNI, each
// with its own password file and address pool. openconnect connects to the
// same server address under two host names (--resolve): alice exists only
// in the default server's file, bob only in the vhost's; each gets in
// only on their own host name, with an address from that host's pool.
func TestPolicyVhosts(t *testing.T) {
	r := rig.New(t, rig.Options{Clients: 1})
	r.AddUser("alice", "alice-Pass-1")
	fileB := filepath.Join(r.Dir, "passwd-b")
	r.AddUserTo(fileB, "", "bob", "bob-Pass-1")
	vhost := "vpnb." + r.ID + ".test"
	poolB := netip.MustParsePrefix("192.168.213.0/24")
	mk := func() *rig.Config {
		return r.NewConfig().Raw(
			"[vhost:"+vhost+"]",
			"auth = \"plain[passwd="+fileB+"]\"",
			"server-cert = "+r.PKI.ServerCert,
			"server-key = "+r.PKI.ServerKey,
			"ipv4-network = "+poolB.Addr().String(),
			"ipv4-netmask = 255.255.255.0",
			"route = 10.213.0.0/16",
			"cookie-timeout = 300",
			"device = "+r.Device(),
		)
	}
	type attempt struct {
		host, user, pass string
		want             bool
		pool             netip.Prefix
	}
	attempts := []attempt{
		{r.PKI.ServerName, "alice", "alice-Pass-1", true, r.PoolNet},
		{r.PKI.ServerName, "bob", "bob-Pass-1", false, netip.Prefix{}},
		{vhost, "bob", "bob-Pass-1", true, poolB},
		{vhost, "alice", "alice-Pass-1", false, netip.Prefix{}},
	}
	runKinds(t, func(t *testing.T, kind serverKind) {
		srv := startKind(t, r, kind, mk())
		defer srv.Stop()
		for _, a := range attempts {
			o := rig.ClientOptions{Host: a.host, User: a.user, Password: a.pass, NoDTLS: true, Timeout: 15 * time.Second}
			if !a.want {
				res := r.ConnectFail(o)
				if why := refusedOK(res); why != "" {
					t.Errorf("%s on %s not refused: %s\n%s", a.user, a.host, why, res.Output)
				}
				continue
			}
			c := r.Connect(o)
			if ip := c.IP(); !a.pool.Contains(ip) {
				t.Errorf("%s on %s got %v, not in that host's pool %v", a.user, a.host, ip, a.pool)
			}
			if err := c.Ping(a.pool.Addr().Next(), 2); err != nil {
				t.Errorf("%s on %s: ping through the tunnel: %v", a.user, a.host, err)
			}
			c.Disconnect()
		}
	})
}
