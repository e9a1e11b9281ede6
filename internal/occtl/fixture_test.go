package occtl

import (
	"io"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/ocserv-go/ocserv/internal/ctl"
	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
	"github.com/ocserv-go/ocserv/internal/ipc"
)

// fixture is the scenario of the golden files: alice (per-user routes,
// iroutes, rate limits, DTLS, two sessions on two vhosts), bob (default
// route, no DTLS, still authenticating on a second session), one banned
// address and one with points only. All times are relative to now.
type fixture struct {
	status  *ctlpb.StatusRep
	users   *ctlpb.UserListRep
	cookies *ctlpb.CookieListRep
	bans    *ctlpb.BanListRep
}

func u32(v uint32) *uint32 { return &v }
func u64(v uint64) *uint64 { return &v }

func newFixture(now time.Time) fixture {
	t := uint32(now.Unix())
	alice := &ctlpb.UserInfoRep{
		Id: proto.Int32(19000), Username: proto.String("alice"), Groupname: proto.String("admins"),
		Ip: proto.String("10.251.0.2"), Tun: proto.String("vpns0"),
		RemoteIp: proto.String("192.168.99.1"), LocalIp: proto.String("192.168.99.50"),
		RemoteIp6: proto.String("fd99:1:2:3::1"), LocalIp6: proto.String("fd99:1:2:3:9a7c:c09f:b76e:58ef"),
		ConnTime: u32(t - 931), Hostname: proto.String("vm"),
		UserAgent: proto.String("Open AnyConnect VPN Agent v9.01-3"), Status: u32(psCompleted),
		TlsCiphersuite:  proto.String("(TLS1.2)-(ECDHE-SECP256R1)-(ECDSA-SHA256)-(AES-256-GCM)"),
		DtlsCiphersuite: proto.String("(DTLS1.2)-(PSK)-(AES-256-GCM)"),
		RxPerSec:        u32(200000), TxPerSec: u32(100000),
		Dns: []string{"10.20.0.53", "fd00:1234::53"}, Nbns: []string{"10.20.0.137"},
		Routes:   []string{"10.20.0.0/255.255.0.0", "fd00:1234::/64"},
		Iroutes:  []string{"10.77.0.0/255.255.0.0", "10.78.0.0/255.255.0.0"},
		NoRoutes: []string{"10.20.5.0/255.255.255.0"},
		Mtu:      u32(1234), LocalDevIp: proto.String("10.250.0.1"), Domains: []string{"example.net"},
		Dpd: u32(33), Keepalive: u32(111), RestrictToRoutes: proto.Bool(true),
		FwPorts: []*ctlpb.FwPort{
			{Port: u32(443), Proto: u32(1), Negate: u32(0)},
			{Port: u32(53), Proto: u32(0), Negate: u32(1)},
			{Port: u32(0), Proto: u32(4), Negate: u32(0)},
		},
		SafeId: []byte("1wzc8iYky16XuktCOGdT+s0pQNg="), Vhost: proto.String("default"),
	}
	bob := &ctlpb.UserInfoRep{
		Id: proto.Int32(19182), Username: proto.String("bob"),
		Ip: proto.String("10.251.0.6"), Tun: proto.String("vpns1"),
		RemoteIp: proto.String("192.168.99.1"), LocalIp: proto.String("192.168.99.106"),
		ConnTime: u32(t - 5), UserAgent: proto.String("Open AnyConnect VPN Agent v9.01-3"),
		Status:         u32(psCompleted),
		TlsCiphersuite: proto.String("(TLS1.3)-(ECDHE-SECP256R1)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM)"),
		TxPerSec:       u32(17000), Dns: []string{"192.168.99.1"},
		Mtu: u32(1434), LocalDevIp: proto.String("10.250.0.5"),
		Dpd: u32(90), Keepalive: u32(32400), RestrictToRoutes: proto.Bool(false),
		SafeId: []byte("Eqhzpe3jzqwpoqUrBBTk2kUGqE8="), Vhost: proto.String("default"),
	}
	pending := &ctlpb.UserInfoRep{
		Id: proto.Int32(19200), Username: proto.String(""),
		Ip: proto.String("10.251.0.6"), ConnTime: u32(t - 7300), Status: u32(psCont),
		UserAgent: proto.String("Ag\"ent\\ caf\u00e9\ttab"),
		Dpd:       u32(0), Keepalive: u32(0), RestrictToRoutes: proto.Bool(false),
		SafeId: []byte("pend1ngQ3jzqwpoqUrBBTk2kUGqE="), Vhost: proto.String("vpn.cf.test"),
	}
	for _, u := range []*ctlpb.UserInfoRep{alice, bob, pending} {
		fillStrings(u)
	}
	cookie := func(id, user, group, vhost, ip string, created, expires uint32, st uint32, open, cert, inUse bool) *ctlpb.CookieInfo {
		c := &ctlpb.CookieInfo{
			SafeId: []byte(id), SessionIsOpen: proto.Bool(open), TlsAuthOk: proto.Bool(cert),
			Created: u32(created), Username: proto.String(user),
			UserAgent: proto.String("Open AnyConnect VPN Agent v9.01-3"), RemoteIp: proto.String(ip),
			Expires: u32(expires), Status: u32(st), InUse: proto.Bool(inUse), Vhost: proto.String(vhost),
		}
		if group != "" {
			c.Groupname = proto.String(group)
		}
		return c
	}
	return fixture{
		status: &ctlpb.StatusRep{
			Status: proto.Bool(true), Pid: u32(18734), SecModPids: []uint32{18736},
			ActiveClients: u32(2), StartTime: u32(t - 113), StoredTlsSessions: u32(3),
			BannedIps: u32(2), SecmodClientEntries: u32(4), SessionTimeouts: u64(1),
			SessionIdleTimeouts: u64(2), SessionErrors: u64(3), SessionsClosed: u64(5),
			KbytesIn: u64(1234), KbytesOut: u64(98765432), MinMtu: u32(1300), MaxMtu: u32(1434),
			LastReset: u32(t - 100), AvgAuthTime: u32(2), AvgSessionMins: u32(75), MaxAuthTime: u32(9),
			MaxSessionMins: u32(3000), AuthFailures: u64(1), TotalSessionsClosed: u64(6),
			TotalAuthFailures: u64(7), LatencyMedianTotal: u64(12000), LatencyRmsTotal: u64(3000000),
			LatencySampleCount: u64(2),
		},
		users: &ctlpb.UserListRep{User: []*ctlpb.UserInfoRep{bob, alice, pending}},
		cookies: &ctlpb.CookieListRep{Cookies: []*ctlpb.CookieInfo{
			cookie("XxxJ52abcdefghijklmnopqrstu=", "carol", "", "vpn.cf.test", "10.251.0.10", t-3, 0, psCont, false, false, false),
			cookie("1wzc8iYky16XuktCOGdT+s0pQNg=", "alice", "admins", "default", "10.251.0.2", t-931, 0, psCompleted, true, false, true),
			cookie("Eqhzpe3jzqwpoqUrBBTk2kUGqE8=", "bob", "", "default", "10.251.0.6", t-83, t+240, psCompleted, true, true, false),
		}},
		bans: &ctlpb.BanListRep{Info: []*ctlpb.BanInfoRep{
			{Ip: []byte{10, 251, 0, 14}, Score: u32(5)},
			{Ip: []byte{10, 251, 0, 2}, Score: u32(43), Expires: u32(t + 3)},
			{Ip: []byte{0xfd, 0, 0x12, 0x34, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}, Score: u32(30), Expires: u32(t + 7300)},
		}},
	}
}

// fillStrings sets every unset string field to "": protobuf-c hands
// occtl NULL for those, which it prints as "(null)" or crashes on.
func fillStrings(m proto.Message) {
	r := m.ProtoReflect()
	fields := r.Descriptor().Fields()
	for i := 0; i < fields.Len(); i++ {
		f := fields.Get(i)
		if f.Kind() == protoreflect.StringKind && !f.IsList() && !r.Has(f) {
			r.Set(f, protoreflect.ValueOfString(""))
		}
	}
}

// fakeServer answers control requests from the fixture on a Unix socket.
type fakeServer struct {
	path string
	ln   *net.UnixListener
	f    fixture
	// events are sent to a TOP client after the list.
	events []*ctlpb.TopUpdateRep
	wg     sync.WaitGroup
}

func startFake(t testing.TB, f fixture) *fakeServer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "occtl.socket")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{path: path, ln: ln, f: f}
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(func() { ln.Close(); s.wg.Wait() })
	return s
}

func (s *fakeServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			return
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer c.Close()
			s.handle(c)
		}()
	}
}

func (s *fakeServer) reply(c *net.UnixConn, cmd ctl.Cmd, m proto.Message) {
	b, _ := proto.Marshal(m)
	c.Write(ipc.AppendFrame(nil, ipc.Cmd(cmd), b))
}

func (s *fakeServer) handle(c *net.UnixConn) {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var hdr [ipc.HeaderLen]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return
	}
	cmd, n := ipc.ParseHeader(hdr[:])
	body := make([]byte, n)
	if _, err := io.ReadFull(c, body); err != nil {
		return
	}
	req, err := ctl.DecodeRequest(ctl.Cmd(cmd), body)
	if err != nil {
		return
	}
	yes := &ctlpb.BoolMsg{Status: proto.Bool(true)}
	no := &ctlpb.BoolMsg{Status: proto.Bool(false)}
	pick := func(keep func(u *ctlpb.UserInfoRep) bool) *ctlpb.UserListRep {
		out := &ctlpb.UserListRep{}
		for _, u := range s.f.users.GetUser() {
			if keep(u) {
				out.User = append(out.User, u)
			}
		}
		return out
	}
	switch req.Cmd {
	case ctl.CmdStatus:
		s.reply(c, ctl.CmdStatusRep, s.f.status)
	case ctl.CmdReload:
		s.reply(c, ctl.CmdReloadRep, yes)
	case ctl.CmdStop:
		s.reply(c, ctl.CmdStopRep, no)
	case ctl.CmdList:
		s.reply(c, ctl.CmdListRep, s.f.users)
	case ctl.CmdUserInfo:
		s.reply(c, ctl.CmdListRep, pick(func(u *ctlpb.UserInfoRep) bool { return u.GetUsername() == req.Username }))
	case ctl.CmdIDInfo:
		s.reply(c, ctl.CmdListRep, pick(func(u *ctlpb.UserInfoRep) bool { return u.GetId() == req.ID }))
	case ctl.CmdDisconnectName:
		if len(pick(func(u *ctlpb.UserInfoRep) bool { return u.GetUsername() == req.Username }).User) > 0 {
			s.reply(c, ctl.CmdDisconnectNameRep, yes)
		} else {
			s.reply(c, ctl.CmdDisconnectNameRep, no)
		}
	case ctl.CmdDisconnectID:
		if len(pick(func(u *ctlpb.UserInfoRep) bool { return u.GetId() == req.ID }).User) > 0 {
			s.reply(c, ctl.CmdDisconnectIDRep, yes)
		} else {
			s.reply(c, ctl.CmdDisconnectIDRep, no)
		}
	case ctl.CmdUnbanIP:
		s.reply(c, ctl.CmdUnbanIPRep, &ctlpb.BoolMsg{Status: proto.Bool(req.IP.String() == "10.251.0.2")})
	case ctl.CmdListBanned:
		s.reply(c, ctl.CmdListBannedRep, s.f.bans)
	case ctl.CmdListCookies:
		s.reply(c, ctl.CmdListCookiesRep, s.f.cookies)
	case ctl.CmdTop:
		s.reply(c, ctl.CmdListRep, s.f.users)
		for _, ev := range s.events {
			s.reply(c, ctl.CmdTopUpdateRep, ev)
		}
	}
}
