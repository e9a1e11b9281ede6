package secmod

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"net"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/lease"
	"github.com/ocserv-go/ocserv/internal/signer"
)

func TestLoginFlow(t *testing.T) {
	h := startHarness(t, hopts{})
	rep := h.authInit(h.initReq("alice", ""))
	if rep.GetReply() != ipcpb.AuthRep_AUTH_MSG || rep.GetMsg() != auth.MsgPassword || len(rep.GetSid()) != SIDSize {
		t.Fatalf("init reply %v", rep)
	}
	if rep.PasswdCounter != nil {
		t.Errorf("passwd_counter set on first prompt: %d", rep.GetPasswdCounter())
	}
	if rep.GetSid()[0] != 0 {
		t.Errorf("sid[0] = %d, want instance 0", rep.GetSid()[0])
	}
	sid := rep.GetSid()
	ok := h.authCont(sid, "secret")
	if ok.GetReply() != ipcpb.AuthRep_AUTH_OK || ok.GetUserName() != "alice" || !bytes.Equal(ok.GetSid(), sid) {
		t.Fatalf("cont reply %v", ok)
	}
	// The cookie opens a session once authenticated; a second cont on a
	// completed entry fails.
	if r := h.authCont(sid, "secret"); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("cont after completion: %v", r)
	}
	if b := h.takeBans(1, 300*time.Millisecond); len(b) != 1 {
		t.Errorf("bans after a good login + bad cont: %v", b)
	}
}

func TestWrongPasswordThreeTimes(t *testing.T) {
	h := startHarness(t, hopts{})
	rep := h.authInit(h.initReq("alice", "admins"))
	sid := rep.GetSid()
	for i := 1; i <= 2; i++ {
		r := h.authCont(sid, "wrong")
		if r.GetReply() != ipcpb.AuthRep_AUTH_MSG || r.GetMsg() != auth.MsgLoginFailed || r.GetPasswdCounter() != 0 || !bytes.Equal(r.GetSid(), sid) {
			t.Fatalf("wrong #%d: %v", i, r)
		}
	}
	if r := h.authCont(sid, "wrong"); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Fatalf("wrong #3: %v", r)
	}
	// Even the right password is refused now.
	if r := h.authCont(sid, "secret"); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Fatalf("after failure: %v", r)
	}
	bans := h.takeBans(3, 5*time.Second)
	if len(bans) != 4 {
		t.Fatalf("got %d ban notices, want 4 (2 retries, the failure, the late cont)", len(bans))
	}
	for _, b := range bans {
		if b.GetIp() != "192.0.2.10" || b.GetScore() != 10 || !bytes.Equal(b.GetSid(), sid) {
			t.Errorf("ban notice %v", b)
		}
	}
	if o := h.open(sid); o.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("failed login opened a session")
	}
}

func TestRightPasswordOnLastTry(t *testing.T) {
	h := startHarness(t, hopts{})
	sid := h.authInit(h.initReq("alice", "")).GetSid()
	h.authCont(sid, "a")
	h.authCont(sid, "b")
	if r := h.authCont(sid, "secret"); r.GetReply() != ipcpb.AuthRep_AUTH_OK {
		t.Fatalf("third try: %v", r)
	}
	if b := h.takeBans(2, 5*time.Second); len(b) != 2 {
		t.Errorf("%d ban notices, want 2", len(b))
	}
}

func TestUnknownLockedEmpty(t *testing.T) {
	h := startHarness(t, hopts{})
	for _, user := range []string{"mallory", "locked"} {
		rep := h.authInit(h.initReq(user, ""))
		if rep.GetReply() != ipcpb.AuthRep_AUTH_MSG || rep.GetMsg() != auth.MsgPassword {
			t.Fatalf("%s: init %v", user, rep)
		}
		var last *ipcpb.SecAuthReply
		for range 3 {
			last = h.authCont(rep.GetSid(), "secret")
		}
		if last.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
			t.Errorf("%s: after 3 tries %v", user, last)
		}
	}
	// Unknown user asking for a group fails at once (no such membership).
	if r := h.authInit(h.initReq("mallory", "staff")); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("unknown user with group: %v", r)
	}
	// alice asking for a group she is not in.
	if r := h.authInit(h.initReq("alice", "users")); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("foreign group: %v", r)
	}
	// Empty hash: OK straight away.
	r := h.authInit(h.initReq("nopass", ""))
	if r.GetReply() != ipcpb.AuthRep_AUTH_OK || r.GetUserName() != "nopass" || len(r.GetSid()) != SIDSize {
		t.Fatalf("empty hash: %v", r)
	}
	o := h.open(r.GetSid())
	if o.GetReply() != ipcpb.AuthRep_AUTH_OK || o.GetGroupname() != "users" {
		t.Errorf("empty-hash session: %v", o)
	}
}

func TestInitRefusals(t *testing.T) {
	h := startHarness(t, hopts{})
	bad := h.initReq("alice", "")
	bad.Hmac[0] ^= 1
	if r := h.authInit(bad); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED || len(r.GetSid()) != 0 {
		t.Errorf("hmac mismatch: %v", r)
	}
	spoof := h.initReq("alice", "")
	spoof.Ip = proto.String("198.51.100.1") // HMAC was for another address
	if r := h.authInit(spoof); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("spoofed ip: %v", r)
	}
	stale := h.initReq("alice", "")
	h.clock.Advance(241 * time.Second) // auth-timeout = 240
	if r := h.authInit(stale); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("stale init: %v", r)
	}
	noType := h.initReq("alice", "")
	noType.AuthType = proto.Uint32(uint32(ipcpb.AuthType_AUTH_TYPE_RADIUS))
	if r := h.authInit(noType); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("unconfigured auth type: %v", r)
	}
	if r := h.authCont(make([]byte, SIDSize), "x"); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("unknown sid: %v", r)
	}
	if r := h.authCont([]byte("short"), "x"); r.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("short sid: %v", r)
	}
}

func TestSessionOpenAndGroupConfig(t *testing.T) {
	h := startHarness(t, hopts{})
	// Unknown and malformed cookies.
	if o := h.open(make([]byte, SIDSize)); o.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("unknown cookie: %v", o)
	}
	if o := h.open([]byte{1, 2, 3}); o.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("short cookie: %v", o)
	}
	// Not yet authenticated.
	pending := h.authInit(h.initReq("alice", "")).GetSid()
	if o := h.open(pending); o.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("pending cookie: %v", o)
	}

	// alice in staff: group file + user file.
	sid := h.login("alice", "staff", "secret")
	o := h.open(sid)
	if o.GetReply() != ipcpb.AuthRep_AUTH_OK {
		t.Fatalf("open: %v", o)
	}
	if o.GetUsername() != "alice" || o.GetGroupname() != "staff" || o.GetIp() != "192.0.2.10" || o.GetVhost() != "default" ||
		!bytes.Equal(o.GetSid(), sid) || o.GetUserAgent() != "Open AnyConnect VPN Agent v9.01" || o.GetDevicePlatform() != "linux-64" {
		t.Errorf("reply identity: %v", o)
	}
	seed := lease.PredictableSeed("alice")
	if o.GetIpv4Seed() != binary.LittleEndian.Uint32(seed[:]) || o.GetIpv4Seed() != lease.HashLittle([]byte("alice"), 0) {
		t.Errorf("ipv4_seed %#x", o.GetIpv4Seed())
	}
	c := o.GetConfig()
	// Lists accumulate group then user file, replacing the vhost's.
	if got := strings.Join(c.GetRoutes(), ","); got != "10.10.0.0/255.255.0.0,172.16.0.0/255.240.0.0" {
		t.Errorf("routes %q", got)
	}
	if got := strings.Join(c.GetDns(), ","); got != "1.1.1.1" {
		t.Errorf("dns %q", got)
	}
	if got := strings.Join(c.GetNoRoutes(), ","); got != "10.1.0.0/255.255.0.0" {
		t.Errorf("no-routes %q", got)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"rx", c.GetRxPerSec(), uint32(2)}, {"tx", c.GetTxPerSec(), uint32(0)},
		{"idle", c.GetIdleTimeout(), uint32(100)}, {"dpd", c.GetDpd(), uint32(90)},
		{"mobile dpd", c.GetMobileDpd(), uint32(1800)}, {"keepalive", c.GetKeepalive(), uint32(32400)},
		{"mtu", c.GetMtu(), uint32(1400)}, {"ipv4 net", c.GetIpv4Net(), "192.168.99.0"},
		{"netmask", c.GetIpv4Netmask(), "255.255.255.0"}, {"explicit", c.GetExplicitIpv4(), "192.168.99.77"},
		{"ports", len(c.GetFwPorts()), 2}, {"no_udp set", c.NoUdp != nil, true},
		{"session timeout set", c.SessionTimeoutSecs != nil, true},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %v, want %v", ck.name, ck.got, ck.want)
		}
	}
	if p := c.GetFwPorts(); len(p) == 2 && (p[0].GetPort() != 22 || p[0].GetProto() != 1 || p[1].GetPort() != 53 || p[1].GetProto() != 0) {
		t.Errorf("fw ports %v", p)
	}

	// bob: no group ('*' dropped), no files: the vhost's values.
	o = h.open(h.login("bob", "", "secret"))
	c = o.GetConfig()
	if o.GetGroupname() != "" || strings.Join(c.GetRoutes(), ",") != "10.0.0.0/255.0.0.0" || strings.Join(c.GetDns(), ",") != "192.168.99.1" ||
		c.GetIdleTimeout() != 0 || c.ExplicitIpv4 != nil {
		t.Errorf("bob: group %q config %v", o.GetGroupname(), c)
	}
	// alice in admins: "route = default" in the group file = full tunnel.
	o = h.open(h.login("alice", "admins", "secret"))
	if o.GetGroupname() != "admins" || len(o.GetConfig().GetRoutes()) != 0 {
		t.Errorf("admins: %q routes %v", o.GetGroupname(), o.GetConfig().GetRoutes())
	}
}

func TestCookieRules(t *testing.T) {
	h := startHarness(t, hopts{})

	// User quit (0xB0 => REASON_USER_DISCONNECT) kills the cookie.
	sid := h.login("alice", "", "secret")
	h.open(sid)
	h.workerStats(sid, 100, 200, ReasonUserDisconnect)
	st := h.close(sid, 50, 300, false)
	if st.GetBytesIn() != 100 || st.GetBytesOut() != 300 || st.GetDisconReason() != ReasonUserDisconnect {
		t.Errorf("close stats %v", st)
	}
	if o := h.open(sid); o.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("cookie survived a user quit")
	}

	// Admin kick kills it too.
	sid = h.login("alice", "", "secret")
	h.open(sid)
	if st := h.close(sid, 1, 1, true); st.GetDisconReason() != ReasonServerDisconnect {
		t.Errorf("kick reason %d", st.GetDisconReason())
	}
	if o := h.open(sid); o.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("cookie survived a kick")
	}

	// A temporary disconnect keeps it for cookie-timeout (+15 s).
	sid = h.login("alice", "", "secret")
	h.open(sid)
	h.workerStats(sid, 10, 10, ReasonTemporary)
	h.close(sid, 0, 0, false)
	h.clock.Advance(200 * time.Second)
	if o := h.open(sid); o.GetReply() != ipcpb.AuthRep_AUTH_OK {
		t.Fatalf("cookie lost after a temporary disconnect")
	}
	// Still in use: the clock does not matter.
	h.clock.Advance(1000 * time.Second)
	h.workerStats(sid, 10, 10, ReasonDPDTimeout)
	h.close(sid, 0, 0, false)
	h.clock.Advance(316 * time.Second) // > 300 + 15
	if o := h.open(sid); o.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("expired cookie accepted")
	}

	// An unused, completed cookie expires too; cleanup drops it.
	sid = h.login("bob", "", "secret")
	h.clock.Advance(314 * time.Second)
	if n := h.listCookies(); n == 0 {
		t.Fatal("no cookies listed")
	}
	h.clock.Advance(2 * time.Second)
	if o := h.open(sid); o.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("stale cookie accepted")
	}
}

// TestCookieExpiresWholeSeconds: a session closed late in a second
// (kill -9 of the client: a temporary disconnect) keeps its cookie until
// time(0) reaches close + cookie-timeout + 15 s, as in ocserv. On 6bdcfc8
// the cookie was still accepted exactly 315 s after the close.
func TestCookieExpiresWholeSeconds(t *testing.T) {
	h := startHarness(t, hopts{})
	h.clock.mu.Lock()
	h.clock.t = time.Unix(h.clock.t.Unix(), 900_000_000)
	h.clock.mu.Unlock()
	for _, tt := range []struct {
		after time.Duration
		ok    bool
	}{{314 * time.Second, true}, {315 * time.Second, false}} {
		sid := h.login("alice", "", "secret")
		h.open(sid)
		h.workerStats(sid, 10, 10, ReasonTemporary)
		h.close(sid, 0, 0, false)
		h.clock.Advance(tt.after)
		want := ipcpb.AuthRep_AUTH_FAILED
		if tt.ok {
			want = ipcpb.AuthRep_AUTH_OK
		}
		if o := h.open(sid); o.GetReply() != want {
			t.Errorf("%v after the close: %v, want %v", tt.after, o.GetReply(), want)
		}
		if tt.ok {
			h.close(sid, 0, 0, false)
		}
	}
}

func (h *harness) listCookies() int {
	var rep ipcpb.SecmListCookiesReply
	h.syncCall(ipc.CmdSecmListCookies, nil, ipc.CmdSecmListCookiesReply, &rep)
	return len(rep.GetCookies())
}

func TestPersistentCookiesAndSessionTimeout(t *testing.T) {
	h := startHarness(t, hopts{extra: "persistent-cookies = true\nsession-timeout = 600\n"})
	sid := h.login("alice", "", "secret")
	h.open(sid)
	h.workerStats(sid, 1, 1, ReasonUserDisconnect)
	h.close(sid, 0, 0, false)
	if o := h.open(sid); o.GetReply() != ipcpb.AuthRep_AUTH_OK {
		t.Fatalf("persistent cookie killed by user quit")
	}
	if o := h.open(sid); o.GetConfig().GetSessionTimeoutSecs() != 600 {
		t.Errorf("session timeout %d", o.GetConfig().GetSessionTimeoutSecs())
	}
	h.close(sid, 0, 0, false)
	h.close(sid, 0, 0, false)
	h.clock.Advance(601 * time.Second)
	if o := h.open(sid); o.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("session-timeout passed but session opened")
	}
}

func TestReload(t *testing.T) {
	h := startHarness(t, hopts{})
	sid := h.login("bob", "", "secret")
	mustWrite(t, h.cfgPath, strings.Replace(readFile(t, h.cfgPath), "dns = 192.168.99.1", "dns = 192.168.99.2", 1))
	h.syncCall(ipc.CmdSecmReload, nil, ipc.CmdSecmReloadReply, nil)
	if got := h.open(sid).GetConfig().GetDns(); len(got) != 1 || got[0] != "192.168.99.2" {
		t.Errorf("dns after reload %v", got)
	}
	// A broken file keeps the old configuration.
	mustWrite(t, h.cfgPath, "this is not = \"valid\n[[[\n")
	h.syncCall(ipc.CmdSecmReload, nil, ipc.CmdSecmReloadReply, nil)
	if o := h.open(h.login("bob", "", "secret")); o.GetReply() != ipcpb.AuthRep_AUTH_OK {
		t.Errorf("login after failed reload: %v", o)
	}
}

func TestKeyOperationsTLS(t *testing.T) {
	h := startHarness(t, hopts{})
	for _, tc := range []struct {
		name  string
		idx   int
		der   []byte
		max   uint16
		suite uint16
	}{
		{"RSA TLS1.3", 0, h.rsaDER, tls.VersionTLS13, 0},
		{"RSA TLS1.2 ECDHE", 0, h.rsaDER, tls.VersionTLS12, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{"RSA TLS1.2 RSA key exchange", 0, h.rsaDER, tls.VersionTLS12, tls.TLS_RSA_WITH_AES_128_GCM_SHA256},
		{"ECDSA TLS1.3", 1, h.ecDER, tls.VersionTLS13, 0},
		{"ECDSA TLS1.2", 1, h.ecDER, tls.VersionTLS12, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cert, err := x509.ParseCertificate(tc.der)
			if err != nil {
				t.Fatal(err)
			}
			key, err := signer.New(signer.Config{SocketPath: h.sock, Vhost: "default", KeyIndex: tc.idx, Public: cert.PublicKey, Timeout: 10 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			srvCfg := &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{tc.der}, PrivateKey: key, Leaf: cert}}, MaxVersion: tc.max}
			pool := x509.NewCertPool()
			pool.AddCert(cert)
			cliCfg := &tls.Config{RootCAs: pool, ServerName: "vpn.example", MaxVersion: tc.max}
			if tc.suite != 0 {
				cliCfg.CipherSuites = []uint16{tc.suite}
				srvCfg.CipherSuites = []uint16{tc.suite}
			}
			a, b := net.Pipe()
			defer a.Close()
			defer b.Close()
			a.SetDeadline(time.Now().Add(20 * time.Second))
			b.SetDeadline(time.Now().Add(20 * time.Second))
			errc := make(chan error, 1)
			go func() { errc <- tls.Server(a, srvCfg).Handshake() }()
			if err := tls.Client(b, cliCfg).Handshake(); err != nil {
				t.Fatalf("client handshake: %v", err)
			}
			if err := <-errc; err != nil {
				t.Fatalf("server handshake: %v", err)
			}
		})
	}
	// An unknown key index is refused (connection closed, no reply).
	bogus, _ := x509.ParseCertificate(h.ecDER)
	key, _ := signer.New(signer.Config{SocketPath: h.sock, Vhost: "default", KeyIndex: 7, Public: bogus.PublicKey, Timeout: 5 * time.Second})
	if _, err := key.Sign(nil, make([]byte, 32), cryptoSHA256{}); err == nil {
		t.Error("key index 7 signed")
	}
}

func TestGarbageFrames(t *testing.T) {
	h := startHarness(t, hopts{})
	for i, raw := range [][]byte{
		{},
		{byte(ipc.CmdSecAuthInit)},
		{byte(ipc.CmdSecAuthInit), 0xff, 0xff, 0xff, 0x7f},
		ipc.AppendFrame(nil, ipc.CmdSecAuthInit, []byte{0xff, 0xff, 0xff}),
		ipc.AppendFrame(nil, ipc.CmdSecAuthCont, []byte{0x12, 0x80}),
		ipc.AppendFrame(nil, ipc.CmdSecSignHash, []byte{0x0a}),
		ipc.AppendFrame(nil, ipc.CmdSecCliStats, []byte{0x1a, 0x03, 1, 2, 3}),
		ipc.AppendFrame(nil, ipc.Cmd(200), []byte("hello")),
		ipc.AppendFrame(nil, ipc.CmdSecmSessionOpen, nil),
		bytes.Repeat([]byte{0x41}, 100),
	} {
		c, err := ipc.Dial(h.sock, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(15 * time.Second))
		c.Write(raw)
		c.CloseWrite()
		buf := make([]byte, 64)
		n, _ := c.Read(buf)
		c.Close()
		if n > 0 && raw[0] != byte(ipc.CmdSecAuthInit) && raw[0] != byte(ipc.CmdSecAuthCont) {
			t.Errorf("garbage %d got a %d-byte answer", i, n)
		}
	}
	// Still alive and serving.
	h.login("alice", "", "secret")
}

func TestCredOK(t *testing.T) {
	s := &Server{uid: 65534, gid: 65533}
	for _, tc := range []struct {
		uid, gid uint32
		ok       bool
	}{
		{0, 0, true}, {65534, 65533, true}, {65534, 0, true}, {0, 65533, true},
		{1000, 65533, false}, {65534, 1000, false}, {1000, 1000, false},
	} {
		if got := s.credOK(ipc.Cred{UID: tc.uid, GID: tc.gid}); got != tc.ok {
			t.Errorf("uid %d gid %d: %v", tc.uid, tc.gid, got)
		}
	}
}
