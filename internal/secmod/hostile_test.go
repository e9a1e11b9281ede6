package secmod

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
	"github.com/ocserv-go/ocserv/internal/signer"
)

// sendChildEnv makes the test binary act as another worker process: it
// sends the frame in sendChildFrameEnv (hex) to the socket named by the
// variable, prints the reply bytes (hex) and exits 0; 4 on errors.
const (
	sendChildEnv      = "SECMOD_TEST_SEND_CHILD"
	sendChildFrameEnv = "SECMOD_TEST_SEND_FRAME"
)

func sendChild(path, frameHex string) int {
	frame, err := hex.DecodeString(frameHex)
	if err != nil {
		return 4
	}
	c, err := net.DialTimeout("unix", path, 10*time.Second)
	if err != nil {
		return 4
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := c.Write(frame); err != nil {
		return 4
	}
	rep, _ := io.ReadAll(c)
	os.Stdout.WriteString(hex.EncodeToString(rep))
	return 0
}

// fromOtherWorker sends one frame from a separate process (another pid)
// and returns the raw reply (empty when sec-mod closed the connection).
func fromOtherWorker(t *testing.T, sock string, cmd ipc.Cmd, m proto.Message) []byte {
	t.Helper()
	body, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, self, "-test.run=^$")
	c.Env = append(os.Environ(), sendChildEnv+"="+sock, sendChildFrameEnv+"="+hex.EncodeToString(ipc.AppendFrame(nil, cmd, body)))
	out, err := c.Output()
	if err != nil {
		t.Fatalf("fake worker process: %v", err)
	}
	rep, err := hex.DecodeString(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("fake worker output %q", out)
	}
	return rep
}

// rawRequest sends raw bytes as a worker of this process and returns what
// sec-mod answered before closing (nil: closed without an answer).
func rawRequest(t *testing.T, sock string, raw []byte) []byte {
	t.Helper()
	c, err := ipc.Dial(sock, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	c.Write(raw)
	c.CloseWrite()
	rep, _ := io.ReadAll(c)
	return rep
}

func frameOf(t *testing.T, cmd ipc.Cmd, m proto.Message) []byte {
	b, err := proto.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return ipc.AppendFrame(nil, cmd, b)
}

// TestHostileWorkerRequests plays a compromised worker: every request that
// is malformed, oversized or not its own is refused by closing the
// connection without an answer, and sec-mod keeps serving others.
func TestHostileWorkerRequests(t *testing.T) {
	h := startHarness(t, hopts{extra: "max-clients = 64"})
	victim := h.login("alice", "", "secret")
	h.open(victim)
	h.workerStats(victim, 10, 10, 0) // the victim's worker (this process) owns the session
	ct, _ := rsa.EncryptPKCS1v15(rand.Reader, &rsaKey.PublicKey, make([]byte, signer.PremasterLen))
	oversized := ipc.AppendFrame(nil, ipc.CmdSecAuthInit, bytes.Repeat([]byte{0x0a}, 4*ipc.MaxMsgSize))
	for _, tt := range []struct {
		name string
		raw  []byte
	}{
		{"malformed frame", ipc.AppendFrame(nil, ipc.CmdSecCliStats, []byte{0x1a, 0x7f, 1})},
		{"oversized frame", oversized},
		{"sign with a bad key index", frameOf(t, ipc.CmdSecSignHash, &ipcpb.SecOp{KeyIdx: proto.Uint32(9), Hash: proto.Uint32(5), Padding: ipcpb.SignPadding_PADDING_PKCS1V15.Enum(), Data: make([]byte, 32)})},
		{"decrypt strict (session_key_len 0)", frameOf(t, ipc.CmdSecDecrypt, &ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: ct, SessionKeyLen: proto.Uint32(0)})},
		{"decrypt without session_key_len", frameOf(t, ipc.CmdSecDecrypt, &ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: ct})},
		{"decrypt session_key_len 47", frameOf(t, ipc.CmdSecDecrypt, &ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: ct, SessionKeyLen: proto.Uint32(47)})},
		{"main's command from a worker", frameOf(t, ipc.CmdSecmSessionClose, &ipcpb.SecmSessionClose{Sid: victim})},
		{"unknown command", ipc.AppendFrame(nil, ipc.Cmd(222), []byte("x"))},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if rep := rawRequest(t, h.sock, tt.raw); len(rep) != 0 {
				t.Errorf("answered %d bytes", len(rep))
			}
			if rep := h.open(h.login("bob", "", "secret")); rep.GetReply() != ipcpb.AuthRep_AUTH_OK {
				t.Fatalf("sec-mod stopped serving others: %v", rep)
			}
		})
	}
	// The good decrypt still works (RSA key exchange is in NORMAL).
	if rep := rawRequest(t, h.sock, frameOf(t, ipc.CmdSecDecrypt, &ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: ct, SessionKeyLen: proto.Uint32(signer.PremasterLen)})); len(rep) == 0 {
		t.Error("a TLS-form decrypt was refused")
	}
	// The victim's counters were not touched by any of this.
	if st := h.close(victim, 0, 0, false); st.GetBytesIn() != 10 {
		t.Errorf("victim bytes_in %d, want 10", st.GetBytesIn())
	}
}

// TestDecryptNeedsRSAKeyExchange: with tls-priorities that enable no RSA
// key exchange, sec-mod decrypts nothing at all.
func TestDecryptNeedsRSAKeyExchange(t *testing.T) {
	h := startHarness(t, hopts{extra: `tls-priorities = "NORMAL:%SERVER_PRECEDENCE:-RSA"`})
	pm := make([]byte, signer.PremasterLen)
	ct, _ := rsa.EncryptPKCS1v15(rand.Reader, &rsaKey.PublicKey, pm)
	if rep := rawRequest(t, h.sock, frameOf(t, ipc.CmdSecDecrypt, &ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: ct, SessionKeyLen: proto.Uint32(signer.PremasterLen)})); len(rep) != 0 {
		t.Errorf("decrypt answered without an RSA key exchange enabled (%d bytes)", len(rep))
	}
	h.login("alice", "", "secret")
}

// TestStatsFromAnotherWorker: a worker (another process) that reports
// counters, a disconnect reason or addresses for a session that is not its
// own is refused; the owner's reports count.
func TestStatsFromAnotherWorker(t *testing.T) {
	h := startHarness(t, hopts{})
	sid := h.login("alice", "", "secret")
	h.open(sid)
	h.workerStats(sid, 100, 200, 0) // this process's worker owns the session now
	// An auth cont for the open session from the other worker neither
	// takes the session over nor changes it.
	fromOtherWorker(t, h.sock, ipc.CmdSecAuthCont, &ipcpb.SecAuthCont{Sid: sid, Password: proto.String("secret")})
	evil := &ipcpb.CliStats{Sid: sid, BytesIn: proto.Uint64(1 << 40), BytesOut: proto.Uint64(1 << 40), Uptime: proto.Uint32(99999),
		DisconReason: proto.Uint32(ReasonUserDisconnect), RemoteIp: proto.String("203.0.113.66")}
	if rep := fromOtherWorker(t, h.sock, ipc.CmdSecCliStats, evil); len(rep) != 0 {
		t.Errorf("answered %d bytes", len(rep))
	}
	st := h.close(sid, 0, 0, false)
	if st.GetBytesIn() != 100 || st.GetBytesOut() != 200 || st.GetDisconReason() == ReasonUserDisconnect {
		t.Errorf("after another worker's report: in %d out %d reason %d; want 100 200 and not user-disconnect", st.GetBytesIn(), st.GetBytesOut(), st.GetDisconReason())
	}
	// The cookie survived (a forged user-disconnect would have killed it).
	if o := h.open(sid); o.GetReply() != ipcpb.AuthRep_AUTH_OK {
		t.Errorf("session reopen after the forged report: %v", o)
	}
}

// newTestServer builds a Server without the channels (direct calls).
func newTestServer(t *testing.T, extra string) *Server {
	t.Helper()
	cfgPath, _, _ := writeFixture(t, t.TempDir(), extra)
	st := &ipcpb.SecmodStartup{HmacKey: make([]byte, 32), ConfigFile: proto.String(cfgPath)}
	s, err := newServer(st, options{log: logx.NewWithOptions("sec-mod", logx.Options{Level: 9, Stderr: tlog{t}, NoSyslog: true})})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// completedEntry adds an authenticated, opened entry owned by nobody.
func completedEntry(t *testing.T, s *Server) *entry {
	t.Helper()
	e, err := s.store.add(s.now())
	if err != nil {
		t.Fatal(err)
	}
	s.store.mu.Lock()
	e.status, e.username, e.vhost, e.remoteIP = StatusCompleted, "alice", "default", "192.0.2.10"
	e.exptime = s.now().Add(time.Hour)
	s.store.mu.Unlock()
	return e
}

// TestAccountingAddressesFromMain: the addresses RADIUS accounting reports
// are main's (the auth-init remote address, leases from SESSION_OPEN /
// SESSION_CLOSE); a worker's report only fills a tunnel address main has
// not given, and only with one from the session's own pool.
func TestAccountingAddressesFromMain(t *testing.T) {
	me := peerOf(int32(os.Getpid()))
	str := proto.String
	tests := []struct {
		name       string
		user       string  // alice has explicit-ipv4 192.168.99.77; bob uses the vhost pool
		mainIPv4   *string // with SESSION_OPEN
		reports    [][2]string
		want4      string
		wantRemote string
	}{
		{"outside the pool", "bob", nil, [][2]string{{"10.66.66.66", "2001:db8::66"}}, "", "192.0.2.10"},
		{"inside the pool", "bob", nil, [][2]string{{"192.168.99.5", ""}}, "192.168.99.5", "192.0.2.10"},
		{"first report stays", "bob", nil, [][2]string{{"192.168.99.5", ""}, {"192.168.99.6", ""}}, "192.168.99.5", "192.0.2.10"},
		{"not the user's explicit address", "alice", nil, [][2]string{{"192.168.99.5", ""}}, "", "192.0.2.10"},
		{"the user's explicit address", "alice", nil, [][2]string{{"192.168.99.77", ""}}, "192.168.99.77", "192.0.2.10"},
		{"main's lease wins", "bob", str("192.168.99.9"), [][2]string{{"192.168.99.5", ""}}, "192.168.99.9", "192.0.2.10"},
		{"garbage", "bob", nil, [][2]string{{"192.168.99.5\nX-Evil: 1", "::1%eth0"}}, "", "192.0.2.10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestServer(t, "")
			e := completedEntry(t, s)
			s.store.mu.Lock()
			e.username = tt.user
			s.store.mu.Unlock()
			if o := s.sessionOpen(&ipcpb.SecmSessionOpen{Sid: e.sid[:], Ipv4: tt.mainIPv4}); o.GetReply() != ipcpb.AuthRep_AUTH_OK {
				t.Fatalf("open: %v", o)
			}
			for _, r := range tt.reports {
				s.cliStats(&ipcpb.CliStats{Sid: e.sid[:], BytesIn: proto.Uint64(1), RemoteIp: str("203.0.113.9"),
					Ipv4: str(r[0]), Ipv6: str(r[1])}, me)
			}
			s.store.mu.Lock()
			info := acctInfoLocked(e)
			s.store.mu.Unlock()
			if info.RemoteIP != tt.wantRemote || info.IPv4 != tt.want4 || info.IPv6 != "" {
				t.Errorf("remote %q ipv4 %q ipv6 %q; want %q %q none", info.RemoteIP, info.IPv4, info.IPv6, tt.wantRemote, tt.want4)
			}
			if info.BytesIn != 1 {
				t.Errorf("the owner's counters were not taken: %d", info.BytesIn)
			}
			s.sessionClose(&ipcpb.SecmSessionClose{Sid: e.sid[:], Ipv4: str("192.168.99.9"), Ipv6: str("fd00::5")})
			s.store.mu.Lock()
			info = acctInfoLocked(e)
			s.store.mu.Unlock()
			if info.IPv4 != "192.168.99.9" || info.IPv6 != "fd00::5" {
				t.Errorf("main's leases at close not kept: %q %q", info.IPv4, info.IPv6)
			}
		})
	}
}

// TestOwnerRules checks claimLocked's table directly.
func TestOwnerRules(t *testing.T) {
	s := newStore(0)
	now := time.Now()
	me := peerOf(int32(os.Getpid()))
	dead := peer{pid: 1 << 30, start: 1} // no such process
	other := peer{pid: int32(os.Getppid())}
	other = peerOf(other.pid)
	a, _ := s.add(now)
	b, _ := s.add(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bindLocked(a, me)
	if err := s.claimLocked(a, me, false); err != nil {
		t.Errorf("owner refused: %v", err)
	}
	if err := s.claimLocked(a, other, false); err == nil {
		t.Error("another live worker took a session")
	}
	if err := s.claimLocked(b, me, false); err == nil {
		t.Error("a worker bound to a live entry took a second one")
	}
	if err := s.claimLocked(a, peer{}, true); err == nil {
		t.Error("an unknown peer was accepted")
	}
	s.bindLocked(b, dead)
	if err := s.claimLocked(b, other, false); err != nil {
		t.Errorf("an exited owner did not give way: %v", err)
	}
	if err := s.claimLocked(a, other, true); err == nil {
		t.Error("takeover by a worker bound to another live entry")
	}
	s.releaseLocked(a)
	if err := s.claimLocked(a, me, false); err != nil {
		t.Errorf("a released session refused its next worker: %v", err)
	}
	s.delLocked(b)
	if _, ok := s.byPeer[other]; ok {
		t.Error("binding kept after the entry went away")
	}
}

func TestParseStatStart(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want uint64
		ok   bool
	}{
		{"1234 (ocserv-worker) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 19 20", 424242, true},
		{"1234 (a) b) c) R 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 77 19", 77, true},
		{"1234 (x) Z 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 77 19", 0, false},
		{"1234 (x) S 1 2", 0, false},
		{"garbage", 0, false},
	} {
		got, err := parseStatStart([]byte(tt.in))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%q: %d %v", tt.in, got, err)
		}
	}
	if !peerOf(int32(os.Getpid())).alive() {
		t.Error("this process is not alive")
	}
}

// fakeModule is an auth module whose logins always continue; it records
// closed sessions.
type fakeModule struct {
	closed   chan struct{}
	blocking bool // its sessions hold a resource while waiting (like PAM)
}

func (m *fakeModule) Name() string                 { return "fake" }
func (m *fakeModule) Type() uint32                 { return auth.TypePlain }
func (m *fakeModule) AllowsRetries() bool          { return true }
func (m *fakeModule) GroupList() ([]string, error) { return nil, nil }
func (m *fakeModule) Init(auth.InitInfo) (auth.Session, auth.Result, error) {
	return &fakeSession{m: m}, auth.Continue, nil
}

type fakeSession struct{ m *fakeModule }

func (s *fakeSession) Pass(string) auth.Result      { return auth.Continue }
func (s *fakeSession) Prompt() auth.Prompt          { return auth.Prompt{} }
func (s *fakeSession) Group(string) (string, error) { return "", nil }
func (s *fakeSession) User() (string, bool)         { return "", false }
func (s *fakeSession) Close()                       { s.m.closed <- struct{}{} }
func (s *fakeSession) Blocking() bool               { return s.m.blocking }

// TestSweepLogins: a login that holds a resource (a PAM-like blocking
// session) whose worker exited, or any login older than auth-timeout, is
// ended (module session closed, entry gone); a live worker's fresh login
// is kept, and so is a non-blocking login of an exited worker (ocserv
// lists it as authenticating until it expires).
func TestSweepLogins(t *testing.T) {
	s := newTestServer(t, "")
	clock := &fakeClock{t: time.Now()}
	s.opt.now = clock.Now
	plain := &fakeModule{closed: make(chan struct{}, 10)}
	s.methods["default"] = []method{{name: "fake", typ: auth.TypePlain, module: plain}}
	start := uint64(clock.Now().Unix())
	kept := s.authInit(&ipcpb.SecAuthInit{UserName: proto.String("bob"), Ip: proto.String("192.0.2.1"), OurIp: proto.String("192.0.2.2"),
		AuthType: proto.Uint32(auth.TypePlain), SessionStartTime: proto.Uint64(start), Hmac: AuthInitHMAC(s.hmacKey, "192.0.2.1", "192.0.2.2", start)},
		peer{pid: 1 << 30, start: 5})
	if n := s.sweepLogins(); n != 0 || s.store.find(kept.GetSid()) == nil {
		t.Fatalf("a non-blocking login of an exited worker was ended (%d)", n)
	}
	e := s.store.find(kept.GetSid())
	s.store.mu.Lock()
	s.store.delLocked(e)
	s.store.mu.Unlock()

	mod := &fakeModule{closed: make(chan struct{}, 10), blocking: true}
	s.methods["default"] = []method{{name: "fake", typ: auth.TypePlain, module: mod}}
	req := func() *ipcpb.SecAuthInit {
		start := uint64(clock.Now().Unix())
		return &ipcpb.SecAuthInit{UserName: proto.String("alice"), Ip: proto.String("192.0.2.1"), OurIp: proto.String("192.0.2.2"),
			AuthType: proto.Uint32(auth.TypePlain), SessionStartTime: proto.Uint64(start), Hmac: AuthInitHMAC(s.hmacKey, "192.0.2.1", "192.0.2.2", start)}
	}
	live := s.authInit(req(), peerOf(int32(os.Getpid())))
	gone := s.authInit(req(), peer{pid: 1 << 30, start: 5})
	if live.GetReply() != ipcpb.AuthRep_AUTH_MSG || gone.GetReply() != ipcpb.AuthRep_AUTH_MSG {
		t.Fatalf("init: %v %v", live, gone)
	}
	if n := s.sweepLogins(); n != 1 || s.store.find(gone.GetSid()) != nil || s.store.find(live.GetSid()) == nil {
		t.Fatalf("worker gone: ended %d", n)
	}
	if len(mod.closed) != 1 {
		t.Errorf("module sessions closed: %d, want 1", len(mod.closed))
	}
	clock.Advance(241 * time.Second) // auth-timeout = 240 in the fixture
	if n := s.sweepLogins(); n != 1 || s.store.find(live.GetSid()) != nil {
		t.Fatalf("auth-timeout: ended %d", n)
	}
	if len(mod.closed) != 2 {
		t.Errorf("module sessions closed: %d, want 2", len(mod.closed))
	}
	if rep := s.authCont(&ipcpb.SecAuthCont{Sid: live.GetSid(), Password: proto.String("x")}, peerOf(int32(os.Getpid()))); rep.GetReply() != ipcpb.AuthRep_AUTH_FAILED {
		t.Errorf("auth cont after the login ended: %v", rep)
	}
}

// TestPlainLoginOutlivesItsWorker runs the sweep in the real serve loop: a
// plain login started by another process stays listed after that process
// exited (as ocserv lists it, "authenticating") and can be continued from
// another connection; only logins holding a resource (PAM) end with their
// worker (TestSweepLogins, tests/hostile TestPAMAbandonedLogins).
func TestPlainLoginOutlivesItsWorker(t *testing.T) {
	h := startHarness(t, hopts{})
	raw := fromOtherWorker(t, h.sock, ipc.CmdSecAuthInit, h.initReq("alice", ""))
	_, body, _, err := ipc.ParseFrame(raw, ipc.MaxMsgSize)
	if err != nil {
		t.Fatalf("auth init reply: %v", err)
	}
	var rep ipcpb.SecAuthReply
	if err := proto.Unmarshal(body, &rep); err != nil || rep.GetReply() != ipcpb.AuthRep_AUTH_MSG {
		t.Fatalf("auth init reply: %v %v", &rep, err)
	}
	time.Sleep(3 * LoginSweepInterval)
	var cookies ipcpb.SecmListCookiesReply
	h.syncCall(ipc.CmdSecmListCookies, nil, ipc.CmdSecmListCookiesReply, &cookies)
	if len(cookies.GetCookies()) != 1 {
		t.Fatalf("the pending plain login is not listed: %v", cookies.GetCookies())
	}
	if r := h.authCont(rep.GetSid(), "secret"); r.GetReply() != ipcpb.AuthRep_AUTH_OK {
		t.Errorf("auth cont for the pending login: %v", r)
	}
}

func TestRSAKeyExchangeVhosts(t *testing.T) {
	for _, tt := range []struct {
		prio string
		want bool
	}{
		{"NORMAL:%SERVER_PRECEDENCE:%COMPAT", true},
		{"NORMAL:%SERVER_PRECEDENCE:-RSA", false},
		{"NORMAL:-VERS-TLS1.3:-KX-ALL:+RSA", true},
		{"NORMAL:-VERS-ALL:+VERS-TLS1.3", false},
		{"NORMAL:-KX-ALL:+ECDHE-RSA", false},
		{"NOT-A-KEYWORD", false},
	} {
		cfg := &config.Config{Vhosts: []*config.Vhost{{Name: "v", TLSPriorities: tt.prio}}}
		if got := rsaKeyExchangeVhosts(cfg)["v"]; got != tt.want {
			t.Errorf("%q: RSA key exchange %v, want %v", tt.prio, got, tt.want)
		}
	}
}
