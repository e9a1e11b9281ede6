package mainproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
	"github.com/ocserv-go/ocserv/internal/scriptenv"
	"github.com/ocserv-go/ocserv/internal/tundev"
	"google.golang.org/protobuf/proto"
)

// fakeSecmod answers the sync channel like sec-mod: cookies in users are
// valid for that user; everything it receives is recorded.
type fakeSecmod struct {
	users  map[string]string // sid -> user name
	mu     sync.Mutex
	opens  []string
	closes []*ipcpb.SecmSessionClose
	reload int
}

func (f *fakeSecmod) serve(t *testing.T, c *net.UnixConn) {
	for {
		fr, err := ipc.Recv(c, ipc.MaxMsgSize, 0)
		if err != nil {
			return
		}
		switch fr.Cmd {
		case ipc.CmdSecmSessionOpen:
			var m ipcpb.SecmSessionOpen
			fr.Unmarshal(&m)
			f.mu.Lock()
			f.opens = append(f.opens, string(m.GetSid()))
			user, ok := f.users[string(m.GetSid())]
			f.mu.Unlock()
			rep := &ipcpb.SecmSessionReply{Reply: ipcpb.AuthRep_AUTH_FAILED.Enum()}
			if ok {
				rep = &ipcpb.SecmSessionReply{
					Reply: ipcpb.AuthRep_AUTH_OK.Enum(), Username: proto.String(user),
					Groupname: proto.String("grp"), Sid: m.GetSid(), Vhost: proto.String("default"),
					Ipv4Seed: proto.Uint32(0x323f1047), Config: &ipcpb.GroupConfig{Routes: []string{"10.1.0.0/255.255.0.0"}},
				}
			}
			ipc.Send(c, ipc.CmdSecmSessionReply, rep, -1)
		case ipc.CmdSecmSessionClose:
			var m ipcpb.SecmSessionClose
			fr.Unmarshal(&m)
			f.mu.Lock()
			f.closes = append(f.closes, &m)
			f.mu.Unlock()
			ipc.Send(c, ipc.CmdSecmCliStats, &ipcpb.CliStats{BytesIn: proto.Uint64(10), BytesOut: proto.Uint64(20), DisconReason: proto.Uint32(reasonUserDisconnect)}, -1)
		case ipc.CmdSecmReload:
			f.mu.Lock()
			f.reload++
			f.mu.Unlock()
			ipc.Send(c, ipc.CmdSecmReloadReply, nil, -1)
		default:
			t.Errorf("fake sec-mod: unexpected %s", fr.Cmd)
			return
		}
		fr.Close()
	}
}

func (f *fakeSecmod) closed() []*ipcpb.SecmSessionClose {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*ipcpb.SecmSessionClose(nil), f.closes...)
}

// fakeTun hands out pipes as tun devices and records what was done.
type fakeTun struct {
	mu      sync.Mutex
	n       int
	mtus    []string
	removed []string
	files   []*os.File // the far ends, to check the device fd was passed
	deleted []string   // "NAME#INDEX leases=N": N leases were held at the time
	leases  func() int // the server's lease count (set by newHarness)
}

func (f *fakeTun) Index(name string) (int, error) {
	var n int
	_, err := fmt.Sscanf(name, "vpns%d", &n)
	return 100 + n, err
}
func (f *fakeTun) Delete(name string, index int) error {
	held := f.leases()
	f.mu.Lock()
	defer f.mu.Unlock()
	f.deleted = append(f.deleted, fmt.Sprintf("%s#%d leases=%d", name, index, held))
	return nil
}
func (f *fakeTun) deletedList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.deleted...)
}

func (f *fakeTun) Create(prefix string, owner tundev.Owner) (*os.File, string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, "", err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.files = append(f.files, w)
	name := fmt.Sprintf("%s%d", prefix, f.n)
	f.n++
	return r, name, nil
}
func (f *fakeTun) Configure(string, tundev.Config) (tundev.Result, error) {
	return tundev.Result{IPv4: true}, nil
}
func (f *fakeTun) SetMTU(name string, mtu int) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.mtus = append(f.mtus, fmt.Sprintf("%s=%d", name, mtu))
	return nil
}
func (f *fakeTun) RemoveAddrs(name string, c tundev.Config) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.removed = append(f.removed, name+":"+c.PeerIPv4.String())
	return nil
}

// scriptLog records script runs as "REASON USERNAME IP_REMOTE STATS_BYTES_IN".
type scriptLog struct {
	mu   sync.Mutex
	runs []string
	fail map[string]bool // users whose connect script fails
}

func (s *scriptLog) run(_ context.Context, path string, env []string) scriptenv.Result {
	m := map[string]string{}
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runs = append(s.runs, strings.TrimSpace(fmt.Sprintf("%s %s %s %s %s", path, m["REASON"], m["USERNAME"], m["IP_REMOTE"], m["STATS_BYTES_IN"])))
	if m["REASON"] == "connect" && s.fail[m["USERNAME"]] {
		return scriptenv.Result{ExitCode: 1}
	}
	return scriptenv.Result{}
}

func (s *scriptLog) list() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.runs...)
}

type harness struct {
	s       *server
	sm      *fakeSecmod
	tun     *fakeTun
	scripts *scriptLog
	nextPID int
}

// fakeWorker is the worker's end of a cmd socket plus the signals main sent.
// It ignores SIGTERM; SIGKILL ends it (closes its socket, and it counts as
// reaped) unless survivesKill is set, then only die does.
type fakeWorker struct {
	p            *proc
	conn         *net.UnixConn
	mu           sync.Mutex
	sigs         []syscall.Signal
	exited       chan struct{}
	once         sync.Once
	survivesKill bool
}

// die ends the fake process: main's reaper would now report it.
func (w *fakeWorker) die() {
	w.once.Do(func() {
		w.conn.Close()
		close(w.exited)
	})
}

func (w *fakeWorker) signals() []syscall.Signal {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]syscall.Signal(nil), w.sigs...)
}

func newHarness(t *testing.T, extra string) *harness {
	t.Helper()
	text := "auth = \"plain[passwd=/nonexistent]\"\ntcp-port = 4443\nsocket-file = /tmp/x\ndevice = vpns\n" +
		"ipv4-network = 192.168.99.0/24\nserver-cert = /nonexistent.pem\nserver-key = /nonexistent.key\n" +
		"connect-script = /bin/connect\ndisconnect-script = /bin/disconnect\n" + extra
	cfg, err := config.LoadBytes([]byte(text), config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	a, b, err := ipc.SocketpairConns()
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{
		sm:      &fakeSecmod{users: map[string]string{"sid-alice": "alice", "sid-alice2": "alice", "sid-bad": "bad"}},
		tun:     &fakeTun{},
		scripts: &scriptLog{fail: map[string]bool{"bad": true}},
		nextPID: 1000,
	}
	go h.sm.serve(t, b)
	log := logx.NewWithOptions("main", logx.Options{Level: 9, NoSyslog: true})
	h.s = newServer(cfg, &snapshot{}, serverDeps{log: log, sm: &secmodClient{sync: a}, tun: h.tun, script: h.scripts.run})
	h.tun.leases = h.s.leases.Len
	t.Cleanup(func() {
		a.Close()
		b.Close()
	})
	return h
}

// worker starts a fake worker; opts adjust its proc before main serves it.
func (h *harness) worker(t *testing.T, opts ...func(*proc)) *fakeWorker {
	t.Helper()
	mainEnd, workerEnd, err := ipc.SocketpairConns()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { workerEnd.Close() })
	h.nextPID++
	w := &fakeWorker{conn: workerEnd, exited: make(chan struct{})}
	w.p = &proc{
		pid:    h.nextPID,
		conn:   mainEnd,
		exited: w.exited,
		signal: func(sig syscall.Signal) error {
			w.mu.Lock()
			w.sigs = append(w.sigs, sig)
			survives := w.survivesKill
			w.mu.Unlock()
			if sig == syscall.SIGKILL && !survives {
				w.die()
			}
			return nil
		},
		remote:   mustAddrPort("192.0.2.7:50000"),
		local:    mustAddrPort("192.0.2.1:443"),
		connTime: time.Now(),
	}
	for _, o := range opts {
		o(w.p)
	}
	h.s.addProc(w.p)
	return w
}

// login sends AUTH_COOKIE_REQ and returns the reply (and closes its fd,
// reporting whether one came).
func (w *fakeWorker) login(t *testing.T, sid string) (*ipcpb.AuthCookieReply, bool) {
	t.Helper()
	if err := ipc.Send(w.conn, ipc.AuthCookieReq, &ipcpb.AuthCookieRequest{Cookie: []byte(sid), Hostname: proto.String("laptop")}, -1); err != nil {
		t.Fatal(err)
	}
	f, err := ipc.Recv(w.conn, ipc.MaxMsgSize, 5*time.Second)
	if err != nil {
		t.Fatalf("no reply to AUTH_COOKIE_REQ: %v", err)
	}
	defer f.Close()
	if f.Cmd != ipc.AuthCookieRep {
		t.Fatalf("reply %s", f.Cmd)
	}
	var rep ipcpb.AuthCookieReply
	if err := f.Unmarshal(&rep); err != nil {
		t.Fatal(err)
	}
	return &rep, f.FD >= 0
}

// exit ends the worker (EOF for main) and waits for the cleanup.
func (w *fakeWorker) exit(t *testing.T) {
	t.Helper()
	w.die()
	w.waitGone(t)
}

func (w *fakeWorker) waitGone(t *testing.T) {
	t.Helper()
	select {
	case <-w.p.done:
	case <-time.After(5 * time.Second):
		t.Fatal("session was not cleaned up")
	}
}

func waitScripts(t *testing.T, h *harness) {
	t.Helper()
	if !waitGroupTimeout(&h.s.scripts, 5*time.Second) {
		t.Fatal("scripts did not finish")
	}
}

func TestLoginAndDisconnect(t *testing.T) {
	h := newHarness(t, "")
	w := h.worker(t)
	rep, fd := w.login(t, "sid-alice")
	if rep.GetReply() != ipcpb.AuthRep_AUTH_OK || !fd {
		t.Fatalf("reply %v, fd %v", rep.GetReply(), fd)
	}
	// predictable seed 0x323f1047 on a /24 gives .50 (architecture.md §9).
	if rep.GetIpv4() != "192.168.99.50" || rep.GetIpv4Local() != "192.168.99.1" || rep.GetVname() != "vpns0" {
		t.Errorf("reply %v", rep)
	}
	if rep.GetUserName() != "alice" || len(rep.GetSessionId()) != 32 || string(rep.GetSid()) != "sid-alice" {
		t.Errorf("reply %v", rep)
	}
	if got := rep.GetConfig().GetRoutes(); len(got) != 1 {
		t.Errorf("config not passed on: %v", rep.GetConfig())
	}
	if err := ipc.Send(w.conn, ipc.CmdTunMTU, &ipcpb.TunMtu{Mtu: proto.Uint32(1400)}, -1); err != nil {
		t.Fatal(err)
	}
	if err := ipc.Send(w.conn, ipc.CmdTunMTU, &ipcpb.TunMtu{Mtu: proto.Uint32(20)}, -1); err != nil {
		t.Fatal(err)
	}
	if err := ipc.Send(w.conn, ipc.CmdSessionInfo, &ipcpb.SessionInfo{TlsCiphersuite: proto.String("(TLS1.3)-(AES-256-GCM)")}, -1); err != nil {
		t.Fatal(err)
	}
	if h.s.leases.Len() != 1 {
		t.Errorf("leases %d, want 1", h.s.leases.Len())
	}
	w.exit(t)
	waitScripts(t, h)
	if h.s.leases.Len() != 0 {
		t.Errorf("lease not released")
	}
	if w.p.tlsCipher != "(TLS1.3)-(AES-256-GCM)" {
		t.Errorf("cipher %q", w.p.tlsCipher)
	}
	if got := strings.Join(h.tun.mtus, ","); got != "vpns0=1400" {
		t.Errorf("MTUs set: %s", got)
	}
	cl := h.sm.closed()
	if len(cl) != 1 || string(cl[0].GetSid()) != "sid-alice" || cl[0].GetIpv4() != "192.168.99.50" {
		t.Errorf("session close %v", cl)
	}
	want := "/bin/connect connect alice 192.168.99.50|/bin/disconnect disconnect alice 192.168.99.50 10"
	if got := strings.Join(h.scripts.list(), "|"); got != want {
		t.Errorf("scripts:\n%s\nwant\n%s", got, want)
	}
	if h.s.activeClients() != 0 {
		t.Errorf("proc still in the table")
	}
}

func TestRefusedLogins(t *testing.T) {
	tests := []struct {
		name       string
		extra      string
		first      string // a session opened before, kept alive ("" none)
		sid        string
		wantClose  int    // SESSION_CLOSE messages once the worker left
		wantScript string // scripts run, "|" separated
	}{
		{"unknown cookie", "", "", "sid-unknown", 0, ""},
		{"connect script fails", "", "", "sid-bad", 1, "/bin/connect connect bad 192.168.99.50"},
		{"max-same-clients", "max-same-clients = 1\n", "sid-alice", "sid-alice2", 1, "/bin/connect connect alice 192.168.99.50"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.extra)
			if tt.first != "" {
				w0 := h.worker(t)
				if rep, _ := w0.login(t, tt.first); rep.GetReply() != ipcpb.AuthRep_AUTH_OK {
					t.Fatalf("first login: %v", rep.GetReply())
				}
			}
			w := h.worker(t)
			rep, fd := w.login(t, tt.sid)
			if rep.GetReply() != ipcpb.AuthRep_AUTH_FAILED || fd {
				t.Fatalf("reply %v fd %v, want AUTH_FAILED without fd", rep.GetReply(), fd)
			}
			w.exit(t)
			waitScripts(t, h)
			if got := len(h.sm.closed()); got != tt.wantClose {
				t.Errorf("%d session closes, want %d", got, tt.wantClose)
			}
			if got := strings.Join(h.scripts.list(), "|"); got != tt.wantScript {
				t.Errorf("scripts %q, want %q", got, tt.wantScript)
			}
			wantLeases := 0
			if tt.first != "" {
				wantLeases = 1
			}
			if h.s.leases.Len() != wantLeases {
				t.Errorf("leases %d, want %d", h.s.leases.Len(), wantLeases)
			}
		})
	}
}

func TestCookieReuseTakesOver(t *testing.T) {
	h := newHarness(t, "")
	w1 := h.worker(t)
	rep1, _ := w1.login(t, "sid-alice")
	w2 := h.worker(t)
	rep2, fd := w2.login(t, "sid-alice")
	if rep2.GetReply() != ipcpb.AuthRep_AUTH_OK || !fd {
		t.Fatalf("second login %v", rep2.GetReply())
	}
	if rep1.GetIpv4() != rep2.GetIpv4() {
		t.Errorf("address not taken over: %s then %s", rep1.GetIpv4(), rep2.GetIpv4())
	}
	if sigs := w1.signals(); len(sigs) != 1 || sigs[0] != syscall.SIGTERM {
		t.Errorf("old worker got %v, want SIGTERM", sigs)
	}
	if got := strings.Join(h.tun.removed, ","); got != "vpns0:"+rep1.GetIpv4() {
		t.Errorf("addresses removed from %q", got)
	}
	// The old worker leaving must not free the lease now held by the new one.
	w1.exit(t)
	if h.s.leases.Len() != 1 {
		t.Errorf("leases %d after the old session ended, want 1", h.s.leases.Len())
	}
	w2.exit(t)
	waitScripts(t, h)
	if h.s.leases.Len() != 0 {
		t.Errorf("leases %d at the end", h.s.leases.Len())
	}
}

func TestBadWorkerFrames(t *testing.T) {
	tests := []struct {
		name string
		send func(c *net.UnixConn) error
	}{
		{"unknown command", func(c *net.UnixConn) error { return ipc.SendBytes(c, 99, nil, -1) }},
		{"main-to-worker command", func(c *net.UnixConn) error { return ipc.SendBytes(c, ipc.AuthCookieRep, nil, -1) }},
		{"garbage body", func(c *net.UnixConn) error { return ipc.SendBytes(c, ipc.AuthCookieReq, []byte{0xff, 0xff, 0xff}, -1) }},
		{"second cookie request", func(c *net.UnixConn) error {
			req := &ipcpb.AuthCookieRequest{Cookie: []byte("sid-unknown")}
			if err := ipc.Send(c, ipc.AuthCookieReq, req, -1); err != nil {
				return err
			}
			if _, err := ipc.Recv(c, ipc.MaxMsgSize, 5*time.Second); err != nil {
				return err
			}
			return ipc.Send(c, ipc.AuthCookieReq, req, -1)
		}},
		{"truncated frame", func(c *net.UnixConn) error {
			_, err := c.Write([]byte{byte(ipc.CmdTunMTU), 10, 0, 0, 0, 1})
			if err == nil {
				err = c.CloseWrite()
			}
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			w := h.worker(t)
			if err := tt.send(w.conn); err != nil {
				t.Fatal(err)
			}
			w.waitGone(t)
			if sigs := w.signals(); len(sigs) == 0 || sigs[0] != syscall.SIGKILL {
				t.Errorf("worker got %v, want SIGKILL", sigs)
			}
			if h.s.activeClients() != 0 {
				t.Errorf("proc still in the table")
			}
		})
	}
}

func TestReasonText(t *testing.T) {
	tests := []struct {
		r     uint32
		want  string
		debug bool
	}{
		{1, "unspecified", true}, {2, "user disconnected", false}, {3, "server disconnected", false},
		{5, "DPD timeout", false}, {8, "anyconnect client disconnected", false}, {9, "TCP health probe", true},
		{42, "unknown (42)", false},
	}
	for _, tt := range tests {
		if got := reasonText(tt.r); got != tt.want || reasonIsDebug(tt.r) != tt.debug {
			t.Errorf("reason %d: %q debug=%v", tt.r, got, reasonIsDebug(tt.r))
		}
	}
}

var _ = errors.New
