package hostile

// Shared helpers of the attack tests (see doc.go). Every helper here is
// used by several files; helpers used by one file only live in that file
// with the file's topic as prefix.
//
// The attacker is the test process itself: nsDial opens its sockets from
// inside a client namespace (setns(2) on a locked OS thread that is never
// returned to the scheduler), so a raw TLS client, hundreds of idle sockets
// or a UDP flood need no helper program. What must run as another user
// (nobody, the servers' run-as-user) runs as a copy of the test binary:
// TestMain dispatches on OCR_HOSTILE_MODE (see asNobody).

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/tests/rig"
)

func TestMain(m *testing.M) {
	switch os.Getenv("OCR_HOSTILE_MODE") {
	case "unixprobe":
		os.Exit(unixProbeMain(os.Getenv("OCR_PATH"), os.Getenv("OCR_PAYLOAD")))
	}
	code := m.Run()
	if oursDir != "" {
		os.RemoveAll(oursDir)
	}
	os.Exit(code)
}

// ---- servers under test ----------------------------------------------

// serverKind and the selection helpers are tests/rig's (ServersEnv).
type serverKind = rig.ServerKind

const (
	realServer = rig.RealServer
	ourServer  = rig.OurServer
)

func wantServer(kind serverKind) bool { return rig.WantServer(kind) }

func selectedServers() []serverKind { return rig.SelectedServers() }

// serverBinary returns the server program of kind (building ours once
// per test process).
func serverBinary(t *testing.T, kind serverKind) string {
	t.Helper()
	if kind == realServer {
		return rig.RealOcserv
	}
	return ourBinary(t, "ocserv")
}

var (
	oursOnce sync.Once
	oursDir  string // removed by TestMain
	oursErr  error
)

// ourBinary builds ./cmd/ocserv, ./cmd/ocserv-worker and ./cmd/occtl once
// per test process (as the Makefile and rig.BuildOurs do: ocserv with cgo,
// the worker and occtl static) and returns the path of name. (The
// directory name must not look like a rig directory: every rig.New removes
// "ocr"+7 base-36 characters directories of dead test processes.)
func ourBinary(t *testing.T, name string) string {
	t.Helper()
	oursOnce.Do(func() {
		root, err := rig.RepoRoot()
		if err != nil {
			oursErr = err
			return
		}
		if oursDir, oursErr = os.MkdirTemp("", "hostile-ours-bin-"); oursErr != nil {
			return
		}
		os.Chmod(oursDir, 0o755)
		for n, cgo := range map[string]string{"ocserv": "1", "ocserv-worker": "0", "occtl": "0"} {
			cmd := exec.Command("go", "build", "-o", filepath.Join(oursDir, n), "./cmd/"+n)
			cmd.Dir = root
			cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
			if msg, err := cmd.CombinedOutput(); err != nil {
				oursErr = fmt.Errorf("go build ./cmd/%s: %w\n%s", n, err, msg)
				return
			}
		}
	})
	if oursErr != nil {
		t.Fatalf("building ours: %v", oursErr)
	}
	return filepath.Join(oursDir, name)
}

// forEachServer runs fn as a subtest per selected server kind, the real
// ocserv first; a failing reference run stops the test (the attack or the
// rig is then wrong, not ours).
func forEachServer(t *testing.T, fn func(t *testing.T, kind serverKind)) {
	for _, kind := range selectedServers() {
		ok := t.Run(string(kind), func(t *testing.T) { fn(t, kind) })
		if !ok && kind == realServer {
			t.Fatal("the reference run with the real ocserv failed")
		}
	}
}

// compareServers runs measure against each selected server kind (real
// first) and returns the results by kind, for tests that assert ours does
// at least as well as the real ocserv.
func compareServers[T any](t *testing.T, measure func(t *testing.T, kind serverKind) T) map[serverKind]T {
	res := map[serverKind]T{}
	forEachServer(t, func(t *testing.T, kind serverKind) { res[kind] = measure(t, kind) })
	return res
}

// newRig is rig.New with the users alice, bob and carol (password
// "secret").
func newRig(t *testing.T, clients int) *rig.Rig {
	t.Helper()
	r := rig.New(t, rig.Options{Clients: clients})
	for _, u := range []string{"alice", "bob", "carol"} {
		r.AddUser(u, "secret")
	}
	return r
}

// startServer starts a server of kind with cfg at debug level 3 (session
// ends and worker errors are logged by both servers).
func startServer(t *testing.T, r *rig.Rig, kind serverKind, cfg *rig.Config) *rig.Server {
	t.Helper()
	return r.StartServer(cfg, rig.ServerOptions{Binary: serverBinary(t, kind), Debug: 3})
}

// serverAddr is "ADDR:443" of the server as seen from client link i.
func serverAddr(r *rig.Rig, link int) string {
	return net.JoinHostPort(r.Link(link).ServerAddr.String(), "443")
}

// ---- a real user beside the attack -------------------------------------

// connectUser logs user in with the real openconnect from client link and
// checks a first ping through the tunnel. dtls waits for the DTLS channel
// too (otherwise --no-dtls).
func connectUser(t *testing.T, r *rig.Rig, link int, user string, dtls bool) *rig.Client {
	t.Helper()
	opt := rig.ClientOptions{Link: link, User: user, Password: "secret", NoDTLS: !dtls, Timeout: 30 * time.Second}
	if dtls {
		opt.Args = []string{"-v"}
	}
	c := r.Connect(opt)
	if dtls {
		if !rig.WaitFor(20*time.Second, func() bool { return strings.Contains(c.Log(), "Established DTLS connection") }) {
			t.Fatalf("%s: no DTLS connection within 20 s\n%s", user, tailString(c.Log(), 20))
		}
	}
	if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
		t.Fatalf("%s: first ping through the tunnel: %v", user, err)
	}
	return c
}

// pingLoop pings the server's tunnel address from c once per interval
// until stop is closed and returns how many pings were sent and answered.
// Each ping is bounded (rig.Ping: 2 s reply timeout).
func pingLoop(r *rig.Rig, c *rig.Client, interval time.Duration, stop <-chan struct{}) (done func() (sent, ok int)) {
	var mu sync.Mutex
	var s, o int
	fin := make(chan struct{})
	go func() {
		defer close(fin)
		for {
			select {
			case <-stop:
				return
			default:
			}
			err := r.Ping(c.NS, r.ServerTunAddr(), 1)
			mu.Lock()
			s++
			if err == nil {
				o++
			}
			mu.Unlock()
			select {
			case <-stop:
				return
			case <-time.After(interval):
			}
		}
	}()
	return func() (int, int) {
		<-fin
		mu.Lock()
		defer mu.Unlock()
		return s, o
	}
}

// ---- sockets from inside a client namespace -----------------------------

// inNetns runs fn on an OS thread that has joined network namespace ns;
// sockets fn creates belong to ns and stay usable from any goroutine. The
// thread is never unlocked, so the runtime destroys it afterwards instead of
// reusing it in the wrong namespace.
func inNetns(ns string, fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open(filepath.Join("/var/run/netns", ns))
		if err != nil {
			errc <- fmt.Errorf("netns %s: %w", ns, err)
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// nsDial opens one TCP connection from namespace ns to addr.
func nsDial(ns, addr string, timeout time.Duration) (net.Conn, error) {
	var c net.Conn
	err := inNetns(ns, func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr, timeout)
		return err
	})
	return c, err
}

// nsDialMany opens up to n TCP connections from ns to addr (bounded by
// n and by deadline) and returns those that connected.
func nsDialMany(ns, addr string, n int, deadline time.Duration) ([]net.Conn, error) {
	var cs []net.Conn
	end := time.Now().Add(deadline)
	err := inNetns(ns, func() error {
		for i := 0; i < n && time.Now().Before(end); i++ {
			c, err := net.DialTimeout("tcp", addr, 3*time.Second)
			if err != nil {
				return fmt.Errorf("connection %d of %d: %w", i+1, n, err)
			}
			cs = append(cs, c)
		}
		return nil
	})
	return cs, err
}

// nsUDP opens a UDP socket in ns connected to addr.
func nsUDP(ns, addr string) (*net.UDPConn, error) {
	var c *net.UDPConn
	err := inNetns(ns, func() error {
		ua, err := net.ResolveUDPAddr("udp", addr)
		if err != nil {
			return err
		}
		c, err = net.DialUDP("udp", nil, ua)
		return err
	})
	return c, err
}

// closeAll closes every connection of cs.
func closeAll(cs []net.Conn) {
	for _, c := range cs {
		c.Close()
	}
}

// ---- a raw TLS / HTTP client ------------------------------------------

// rawConn is a TLS connection of the attacker with a buffered reader.
type rawConn struct {
	*tls.Conn
	br   *bufio.Reader
	host string
}

// rawTLS connects from client link to the server and completes the TLS
// handshake (10 s). The server certificate is not checked: the attacker
// does not care.
func rawTLS(r *rig.Rig, link int) (*rawConn, error) {
	addr := serverAddr(r, link)
	c, err := nsDial(r.Link(link).NS, addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS12})
	tc.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tc.Handshake(); err != nil {
		c.Close()
		return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
	}
	tc.SetDeadline(time.Time{})
	return &rawConn{Conn: tc, br: bufio.NewReaderSize(tc, 64<<10), host: r.Link(link).ServerAddr.String()}, nil
}

// send writes b with a deadline of d.
func (c *rawConn) send(b []byte, d time.Duration) error {
	c.SetWriteDeadline(time.Now().Add(d))
	_, err := c.Write(b)
	return err
}

// rawResponse is one HTTP response read by readResponse.
type rawResponse struct {
	Status int
	Header textproto.MIMEHeader
	Body   []byte
}

// readResponse reads one HTTP response (status line, headers, and a body
// of Content-Length bytes, at most 1 MiB) within d.
func (c *rawConn) readResponse(d time.Duration) (*rawResponse, error) {
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	tp := textproto.NewReader(c.br)
	line, err := tp.ReadLine()
	if err != nil {
		return nil, fmt.Errorf("status line: %w", err)
	}
	f := strings.Fields(line)
	if len(f) < 2 || !strings.HasPrefix(f[0], "HTTP/1.") {
		return nil, fmt.Errorf("bad status line %q", line)
	}
	res := &rawResponse{}
	if res.Status, err = strconv.Atoi(f[1]); err != nil {
		return nil, fmt.Errorf("bad status line %q", line)
	}
	if res.Header, err = tp.ReadMIMEHeader(); err != nil && !errors.Is(err, io.EOF) {
		return res, fmt.Errorf("headers: %w", err)
	}
	if cl := res.Header.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 || n > 1<<20 {
			return res, fmt.Errorf("bad Content-Length %q", cl)
		}
		res.Body = make([]byte, n)
		if _, err := io.ReadFull(c.br, res.Body); err != nil {
			return res, fmt.Errorf("body: %w", err)
		}
	}
	return res, nil
}

// httpRequest formats a request as openconnect sends it, with extra
// header lines (each without CRLF) and body.
func (c *rawConn) httpRequest(method, path string, extra []string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Open AnyConnect VPN Agent v9.12\r\n", method, path, c.host)
	b.WriteString("X-Transcend-Version: 1\r\nX-Aggregate-Auth: 1\r\n")
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: application/xml\r\nContent-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// roundTrip sends one request and reads its response (10 s each).
func (c *rawConn) roundTrip(method, path string, extra []string, body []byte) (*rawResponse, error) {
	if err := c.send(c.httpRequest(method, path, extra, body), 10*time.Second); err != nil {
		return nil, fmt.Errorf("%s %s: write: %w", method, path, err)
	}
	res, err := c.readResponse(10 * time.Second)
	if err != nil {
		return res, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return res, nil
}

// authInitXML is the first POST of an XML login.
const authInitXML = `<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="init"><version who="vpn">v9.12</version><device-id>linux-64</device-id><group-access>https://%s/</group-access></config-auth>`

// authReplyXML is an auth-reply carrying inner (already escaped) elements.
const authReplyXML = `<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-reply"><version who="vpn">v9.12</version><device-id>linux-64</device-id><auth>%s</auth></config-auth>`

// cookieValue returns the value of cookie name among Set-Cookie headers.
func cookieValue(h textproto.MIMEHeader, name string) string {
	for _, sc := range h.Values("Set-Cookie") {
		kv, _, _ := strings.Cut(sc, ";")
		if k, v, ok := strings.Cut(strings.TrimSpace(kv), "="); ok && k == name && v != "" {
			return v
		}
	}
	return ""
}

// login runs the XML password login on c and returns the webvpn cookie.
// Each round answers with the username and the password (plain auth asks
// for them in turn); at most 4 rounds.
func (c *rawConn) login(user, pass string) (string, error) {
	res, err := c.roundTrip("POST", "/", nil, []byte(fmt.Sprintf(authInitXML, c.host)))
	if err != nil {
		return "", err
	}
	sid := cookieValue(res.Header, "webvpncontext")
	for round := 0; round < 4; round++ {
		if res.Status != 200 {
			return "", fmt.Errorf("login round %d: HTTP %d: %s", round, res.Status, res.Body)
		}
		if ck := cookieValue(res.Header, "webvpn"); ck != "" {
			return ck, nil
		}
		var hdr []string
		if sid != "" {
			hdr = append(hdr, "Cookie: webvpncontext="+sid)
		}
		inner := fmt.Sprintf("<username>%s</username><password>%s</password>", user, pass)
		res, err = c.roundTrip("POST", "/", hdr, []byte(fmt.Sprintf(authReplyXML, inner)))
		if err != nil {
			return "", err
		}
		if v := cookieValue(res.Header, "webvpncontext"); v != "" {
			sid = v
		}
	}
	return "", errors.New("login: no webvpn cookie after 4 rounds")
}

// connectHeaders are the CONNECT headers openconnect sends (without
// X-CSTP-MTU / X-CSTP-Base-MTU, which tests pass in extra).
func connectHeaders(cookie string) []string {
	return []string{
		"Cookie: webvpn=" + cookie,
		"X-CSTP-Version: 1",
		"X-CSTP-Hostname: attacker",
		"X-CSTP-Address-Type: IPv4",
		"X-CSTP-Full-IPv6-Capability: false",
	}
}

// tunnel sends CONNECT with the cookie and extra headers and returns the
// response (200 means the CSTP tunnel is up on c).
func (c *rawConn) tunnel(cookie string, extra ...string) (*rawResponse, error) {
	hdr := append(connectHeaders(cookie), extra...)
	if err := c.send(c.httpRequest("CONNECT", "/CSCOSSLC/tunnel", hdr, nil), 10*time.Second); err != nil {
		return nil, fmt.Errorf("CONNECT: write: %w", err)
	}
	return c.readResponse(15 * time.Second)
}

// rawSession logs user in over a raw TLS connection from link and opens
// the CSTP tunnel with extra CONNECT headers.
func rawSession(t *testing.T, r *rig.Rig, link int, user string, extra ...string) (*rawConn, *rawResponse) {
	t.Helper()
	c, err := rawTLS(r, link)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	ck, err := c.login(user, "secret")
	if err != nil {
		t.Fatalf("raw login of %s: %v", user, err)
	}
	res, err := c.tunnel(ck, extra...)
	if err != nil {
		t.Fatalf("raw CONNECT of %s: %v", user, err)
	}
	return c, res
}

// CSTP packet types (protocol.md).
const (
	cstpData       = 0x00
	cstpDPDReq     = 0x03
	cstpDPDResp    = 0x04
	cstpDisconnect = 0x05
	cstpKeepalive  = 0x07
	cstpTerminate  = 0x09
)

// cstpFrame builds one CSTP frame: "STF", 1, length (16 bits, big
// endian), type, 0, payload.
func cstpFrame(typ byte, payload []byte) []byte {
	b := []byte{'S', 'T', 'F', 1, byte(len(payload) >> 8), byte(len(payload)), typ, 0}
	return append(b, payload...)
}

// drainUntil reads from c until it is closed or d passes and returns the
// number of bytes read and whether the server closed the connection.
func (c *rawConn) drainUntil(d time.Duration) (int64, bool) {
	c.SetReadDeadline(time.Now().Add(d))
	defer c.SetReadDeadline(time.Time{})
	n, err := io.Copy(io.Discard, c.br)
	var ne net.Error
	if err != nil && errors.As(err, &ne) && ne.Timeout() {
		return n, false
	}
	return n, true
}

// ---- processes of the server -------------------------------------------

// procStatus holds fields of /proc/PID/status and the fd count.
type procStatus struct {
	PID      int
	Comm     string
	RSSkB    int64 // VmRSS
	HWMkB    int64 // VmHWM
	Threads  int
	FDs      int
	State    string
	UID, GID int
}

// readStatus reads /proc/PID/status (and counts /proc/PID/fd).
func readStatus(pid int) (procStatus, error) {
	s := procStatus{PID: pid}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "Name":
			s.Comm = f[0]
		case "VmRSS":
			s.RSSkB = n
		case "VmHWM":
			s.HWMkB = n
		case "Threads":
			s.Threads = int(n)
		case "State":
			s.State = f[0]
		case "Uid":
			s.UID = int(n)
		case "Gid":
			s.GID = int(n)
		}
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		s.FDs = len(ents)
	}
	return s, nil
}

// serverProcs lists the processes with comm (ocserv-main, ocserv-sm,
// ocserv-worker) in the server namespace, sorted by PID.
func serverProcs(t *testing.T, r *rig.Rig, comm string) []procStatus {
	t.Helper()
	o, err := exec.Command("ip", "netns", "pids", r.ServerNS).Output()
	if err != nil {
		t.Fatalf("ip netns pids %s: %v", r.ServerNS, err)
	}
	var ps []procStatus
	for _, f := range strings.Fields(string(o)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if s, err := readStatus(pid); err == nil && s.Comm == comm {
			ps = append(ps, s)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].PID < ps[j].PID })
	return ps
}

// waitProcs waits up to d until there are exactly n processes with comm.
func waitProcs(t *testing.T, r *rig.Rig, comm string, n int, d time.Duration) []procStatus {
	t.Helper()
	var ps []procStatus
	if !rig.WaitFor(d, func() bool { ps = serverProcs(t, r, comm); return len(ps) == n }) {
		t.Fatalf("%s processes = %d, want %d within %v", comm, len(ps), n, d)
	}
	return ps
}

// memSampler samples the VmRSS of every ocserv-worker in the server
// namespace every 50 ms until the returned function is called, which
// returns the largest value seen (kB) and the number of samples.
func memSampler(t *testing.T, r *rig.Rig) func() (maxkB int64, samples int) {
	t.Helper()
	stop := make(chan struct{})
	var max int64
	var n int
	done := make(chan struct{})
	first := make(chan struct{})
	go func() {
		defer close(done)
		for pass := 0; ; pass++ {
			o, _ := exec.Command("ip", "netns", "pids", r.ServerNS).Output()
			for _, f := range strings.Fields(string(o)) {
				pid, _ := strconv.Atoi(f)
				if s, err := readStatus(pid); err == nil && s.Comm == "ocserv-worker" {
					n++
					if s.RSSkB > max {
						max = s.RSSkB
					}
				}
			}
			if pass == 0 {
				close(first)
			}
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	<-first // the workers that exist now are measured before the attack
	return func() (int64, int) {
		close(stop)
		<-done
		return max, n
	}
}

// cpuTicks is utime+stime of pid (clock ticks), -1 if it is gone.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return -1
	}
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return u + st
}

// ---- the server's log ----------------------------------------------------

// logLines is the number of lines of the server's log so far.
func logLines(srv *rig.Server) int { return strings.Count(srv.Log(), "\n") }

// logSince returns the part of the server's log after the first n lines.
func logSince(srv *rig.Server, n int) string {
	l := srv.Log()
	for i := 0; i < n; i++ {
		j := strings.IndexByte(l, '\n')
		if j < 0 {
			return ""
		}
		l = l[j+1:]
	}
	return l
}

// tailString returns the last n lines of s.
func tailString(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ---- running as the servers' run-as-user ------------------------------

// nobodyIDs returns the uid and gid of nobody/nogroup (the rig's run-as
// user and group).
func nobodyIDs(t *testing.T) (uint32, uint32) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroup("nogroup")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	return uint32(uid), uint32(gid)
}

// asNobody runs a copy of the test binary (placed in the rig's work
// directory, which nobody can traverse) as nobody:nogroup without
// supplementary groups, in mode with env, and returns its output (10 s).
func asNobody(t *testing.T, r *rig.Rig, mode string, env ...string) (string, error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(r.Dir, "hostile.test")
	if _, err := os.Stat(cp); err != nil {
		b, err := os.ReadFile(exe)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(cp, b, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	uid, gid := nobodyIDs(t)
	cmd := exec.Command(cp, "-test.run=^$")
	cmd.Env = append([]string{"OCR_HOSTILE_MODE=" + mode, "PATH=/usr/bin:/bin"}, env...)
	cmd.Dir = "/"
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		err = errors.New("timed out after 10 s")
	}
	return out.String(), err
}

// unixProbeMain (OCR_HOSTILE_MODE=unixprobe, run by asNobody) connects to
// the unix socket at path, writes payload (hex in OCR_PAYLOAD), reads for
// 2 s (at most 64 KiB) and prints one line:
//
//	connect-failed: ERR
//	connected wrote=N read=M closed=BOOL reply=HEX
func unixProbeMain(path, payloadHex string) int {
	payload, err := hex.DecodeString(payloadHex)
	if err != nil {
		fmt.Printf("bad payload: %v\n", err)
		return 2
	}
	c, err := net.DialTimeout("unix", path, 3*time.Second)
	if err != nil {
		fmt.Printf("connect-failed: %v\n", err)
		return 0
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(2 * time.Second))
	w, _ := c.Write(payload)
	reply, rerr := io.ReadAll(io.LimitReader(c, 64<<10))
	var ne net.Error
	closed := rerr == nil || !(errors.As(rerr, &ne) && ne.Timeout())
	fmt.Printf("connected wrote=%d read=%d closed=%v reply=%s\n", w, len(reply), closed, hex.EncodeToString(reply))
	return 0
}

// ---- shared attack pieces ----------------------------------------------

// workerRSSBound is the most resident memory (kB) a worker of ours may
// reach while it is fed an oversized request.
const workerRSSBound = 64 << 10

// writeChunks writes head, then total bytes of 'A' in 64 KiB chunks for
// at most d, and returns what was written.
func writeChunks(c *rawConn, head []byte, total int64, d time.Duration) (int64, error) {
	end := time.Now().Add(d)
	if err := c.send(head, 5*time.Second); err != nil {
		return 0, err
	}
	sent := int64(len(head))
	chunk := bytes.Repeat([]byte("A"), 64<<10)
	for rem := total; rem > 0 && time.Now().Before(end); {
		b := chunk
		if rem < int64(len(b)) {
			b = b[:rem]
		}
		c.SetWriteDeadline(time.Now().Add(3 * time.Second))
		n, err := c.Write(b)
		sent += int64(n)
		rem -= int64(n)
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// readUntilClosed reads responses until the server closes the
// connection or d passes.
func readUntilClosed(c *rawConn, d time.Duration) (closed bool, responses, first int) {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		res, err := c.readResponse(time.Until(end))
		if res != nil && res.Status != 0 {
			responses++
			if first == 0 {
				first = res.Status
			}
		}
		if err != nil {
			if strings.Contains(err.Error(), "timeout") {
				return false, responses, first
			}
			return true, responses, first
		}
	}
	return false, responses, first
}

// dtlsLegacyHeaders ask for legacy DTLS too, so the server also advertises
// X-DTLS-MTU (the rig enables dtls-legacy).
var dtlsLegacyHeaders = []string{
	"X-DTLS-Master-Secret: " + strings.Repeat("ab", 48),
	"X-DTLS-CipherSuite: AES256-SHA:AES128-SHA",
}

// dtlsClientHello is a DTLS 1.0 record holding a ClientHello with session
// id sid (32 bytes; nil: random). ocserv-style servers map a DTLS
// ClientHello to its session by this id.
func dtlsClientHello(seq uint64, sid []byte) []byte {
	body := []byte{0xfe, 0xfd}
	rnd := make([]byte, 32+1+32)
	rand.Read(rnd)
	rnd[32] = 32 // session id length
	copy(rnd[33:], sid)
	body = append(body, rnd...)
	body = append(body, 0)                         // cookie length
	body = append(body, 0, 4, 0xc0, 0x2b, 0, 0x2f) // two cipher suites
	body = append(body, 1, 0)                      // null compression
	hs := []byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	n := len(body)
	hs[1], hs[2], hs[3] = byte(n>>16), byte(n>>8), byte(n)
	hs[9], hs[10], hs[11] = byte(n>>16), byte(n>>8), byte(n)
	hs = append(hs, body...)
	rec := []byte{0x16, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(rec[7:11], uint32(seq))
	binary.BigEndian.PutUint16(rec[11:13], uint16(len(hs)))
	return append(rec, hs...)
}
