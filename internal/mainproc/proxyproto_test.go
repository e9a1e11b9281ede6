package mainproc

import (
	"net/netip"
	"syscall"
	"testing"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
)

type fakeBans struct {
	banned  netip.Addr
	checked []netip.Addr
	points  []int
}

func (f *fakeBans) Check(ip netip.Addr, pts int) bool {
	f.checked = append(f.checked, ip)
	f.points = append(f.points, pts)
	return ip == f.banned
}
func (f *fakeBans) AddPoints(netip.Addr, int) bool { return false }

func TestProxySessionInfo(t *testing.T) {
	client := netip.MustParseAddrPort("10.7.0.2:40000")
	dst := netip.MustParseAddrPort("10.7.0.1:8443")
	proxy := netip.MustParseAddrPort("127.0.0.1:5555")
	for _, tc := range []struct {
		name       string
		on, banned bool
	}{{"off", false, false}, {"on", true, false}, {"on banned", true, true}} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := &config.Config{ListenProxyProto: tc.on, BanPointsConnection: 7}
			fb := &fakeBans{}
			if tc.banned {
				fb.banned = client.Addr()
			}
			s := newServer(cfg, nil, serverDeps{log: logx.NewWithOptions("main", logx.Options{NoSyslog: true}), ban: fb})
			var sig syscall.Signal
			p := &proc{remote: proxy, local: netip.MustParseAddrPort("127.0.0.1:443"),
				signal: func(x syscall.Signal) error { sig = x; return nil }}
			if banAtAccept(cfg) == tc.on {
				t.Errorf("banAtAccept = %v with listen-proxy-proto %v", banAtAccept(cfg), tc.on)
			}
			s.proxySessionInfo(p, &ipcpb.SessionInfo{RemoteAddr: ipc.Sockaddr(client), OurAddr: ipc.Sockaddr(dst)})
			if !tc.on {
				if p.remote != proxy || len(fb.checked) != 0 {
					t.Fatalf("off: remote %v, checks %v", p.remote, fb.checked)
				}
				return
			}
			if p.remote != client || p.local != dst {
				t.Errorf("remote %v local %v, want %v %v", p.remote, p.local, client, dst)
			}
			if len(fb.checked) != 1 || fb.checked[0] != client.Addr() || fb.points[0] != 7 {
				t.Errorf("ban checks %v points %v", fb.checked, fb.points)
			}
			if tc.banned != (sig == syscall.SIGTERM) || tc.banned != p.killed {
				t.Errorf("banned %v: signal %v killed %v", tc.banned, sig, p.killed)
			}
		})
	}
}
