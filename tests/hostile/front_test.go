package hostile

// The worker's pre-authentication front door under attack (issue 9): silent
// TCP sockets, a user name that forges log lines, a 10 KB user name. Each
// attack runs against the real ocserv 1.1.6 first (the reference) and then
// against ours; OCSERV_E2E_SERVERS=real|ours|real,ours narrows that. The
// attacker's sockets are made inside the rig's client namespace.

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// frontServers lists the selected servers, the real one first.
func frontServers() []string {
	v := os.Getenv("OCSERV_E2E_SERVERS")
	var ks []string
	for _, k := range []string{"real", "ours"} {
		if v == "" || strings.Contains(","+strings.ReplaceAll(v, " ", "")+",", ","+k+",") {
			ks = append(ks, k)
		}
	}
	return ks
}

// frontStart starts the server of kind with cfg at debug level 3.
func frontStart(t *testing.T, r *rig.Rig, kind string, cfg *rig.Config) *rig.Server {
	t.Helper()
	bin := rig.RealOcserv
	if kind == "ours" {
		bin = rig.BuildOurs(t, "ocserv")
	}
	return r.StartServer(cfg, rig.ServerOptions{Binary: bin, Debug: 3})
}

// frontDial opens n TCP connections to dst from inside namespace ns: the
// sockets are made on a locked OS thread switched into ns and back (the
// thread stays locked, and is discarded, if switching back fails).
func frontDial(t *testing.T, ns string, dst netip.AddrPort, n int) []*net.TCPConn {
	t.Helper()
	type result struct {
		conns []*net.TCPConn
		err   error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			done <- result{err: err}
			return
		}
		defer self.Close()
		target, err := os.Open("/run/netns/" + ns)
		if err != nil {
			done <- result{err: err}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			done <- result{err: fmt.Errorf("setns %s: %w", ns, err)}
			return
		}
		var res result
		d := net.Dialer{Timeout: 5 * time.Second}
		for i := 0; i < n; i++ {
			c, err := d.Dial("tcp", dst.String())
			if err != nil {
				res.err = fmt.Errorf("connection %d: %w", i, err)
				break
			}
			res.conns = append(res.conns, c.(*net.TCPConn))
		}
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			for _, c := range res.conns {
				c.Close()
			}
			done <- result{err: fmt.Errorf("setns back: %w", err)}
			return
		}
		runtime.UnlockOSThread()
		done <- res
	}()
	var res result
	select {
	case res = <-done:
	case <-time.After(time.Duration(n)*5*time.Second + 10*time.Second):
		t.Fatal("dialling from the client namespace timed out")
	}
	t.Cleanup(func() {
		for _, c := range res.conns {
			c.Close()
		}
	})
	if res.err != nil {
		t.Fatalf("dialling %s from %s: %v", dst, ns, res.err)
	}
	return res.conns
}

// frontRig makes a one-client rig and its config with auth-timeout = 20.
func frontRig(t *testing.T) (*rig.Rig, *rig.Config, netip.AddrPort) {
	r := rig.New(t, rig.Options{Clients: 1})
	cfg := r.NewConfig().Set("auth-timeout", "20").Set("max-clients", "256")
	return r, cfg, netip.AddrPortFrom(r.Link(0).ServerAddr, 443)
}

// TestFrontSilentSockets: 50 TCP connections that stall before
// authenticating — most never send a byte, some stop after half a
// ClientHello, some after the TLS handshake and half an HTTP request — are
// all dropped at about auth-timeout (20 s), by the real ocserv and by ours
// (6bdcfc8 held the silent ones for auth-timeout + 30 s).
func TestFrontSilentSockets(t *testing.T) {
	const n, authTimeout = 50, 20 * time.Second
	for _, kind := range frontServers() {
		t.Run(kind, func(t *testing.T) {
			r, cfg, dst := frontRig(t)
			frontStart(t, r, kind, cfg)
			start := time.Now()
			conns := frontDial(t, r.Link(0).NS, dst, n)
			limit := start.Add(authTimeout + 15*time.Second)
			readers := make([]io.Reader, n)
			for i, c := range conns {
				readers[i] = frontStall(t, c, i%10)
			}
			var wg sync.WaitGroup
			closedAt := make([]time.Duration, n)
			for i, c := range conns {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_ = c.SetReadDeadline(limit)
					_, err := io.Copy(io.Discard, readers[i])
					var ne net.Error
					if errors.As(err, &ne) && ne.Timeout() {
						closedAt[i] = -1
						return
					}
					closedAt[i] = time.Since(start)
				}()
			}
			wg.Wait()
			open, early := 0, 0
			for _, d := range closedAt {
				switch {
				case d < 0:
					open++
				case d < authTimeout-2*time.Second:
					early++
				}
			}
			t.Logf("%s: %d stalled sockets, closed after %v (first) .. %v (last)", kind, n, minDur(closedAt), maxDur(closedAt))
			if open > 0 {
				t.Errorf("%s: %d of %d stalled sockets still open %v after connecting (auth-timeout %v)", kind, open, n, authTimeout+15*time.Second, authTimeout)
			}
			if early > 0 {
				t.Errorf("%s: %d stalled sockets dropped well before auth-timeout", kind, early)
			}
		})
	}
}

// frontStall sends what stage asks (1: half a ClientHello, 2: a TLS
// handshake and half an HTTP request, else nothing) and returns the reader
// that sees the server close the connection.
func frontStall(t *testing.T, c *net.TCPConn, stage int) io.Reader {
	t.Helper()
	switch stage {
	case 1:
		// A handshake record header announcing 512 bytes, and 4 of them.
		if _, err := c.Write([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc}); err != nil {
			t.Fatalf("half ClientHello: %v", err)
		}
	case 2:
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true}) // test client of a test CA
		_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
		if err := tc.Handshake(); err != nil {
			t.Fatalf("TLS handshake: %v", err)
		}
		_ = tc.SetDeadline(time.Time{})
		if _, err := io.WriteString(tc, "POST /auth HTTP/1.1\r\nHost: vpn\r\nUser-Agent: Open AnyConnect VPN Agent v9.01\r\nContent-Le"); err != nil {
			t.Fatalf("half HTTP request: %v", err)
		}
		return tc
	}
	return c
}

func minDur(ds []time.Duration) time.Duration {
	m := time.Duration(-1)
	for _, d := range ds {
		if d >= 0 && (m < 0 || d < m) {
			m = d
		}
	}
	return m
}

func maxDur(ds []time.Duration) time.Duration {
	var m time.Duration
	for _, d := range ds {
		if d > m {
			m = d
		}
	}
	return m
}

// frontClient is a minimal openconnect-like HTTP client over TLS.
type frontClient struct {
	t   *testing.T
	tc  *tls.Conn
	br  *bufio.Reader
	ctx string // webvpncontext cookie
}

// frontResp is one response: status code, Set-Cookie values and body.
type frontResp struct {
	code    int
	cookies []string
	body    string
}

func frontConnect(t *testing.T, r *rig.Rig, dst netip.AddrPort) *frontClient {
	t.Helper()
	c := frontDial(t, r.Link(0).NS, dst, 1)[0]
	tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true}) // test client of a test CA
	_ = tc.SetDeadline(time.Now().Add(30 * time.Second))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	return &frontClient{t: t, tc: tc, br: bufio.NewReader(tc)}
}

// post sends an auth-reply XML carrying inner and reads the answer; a
// closed connection gives code 0.
func (c *frontClient) post(inner string) frontResp {
	body := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
		`<config-auth client="vpn" type="auth-reply" aggregate-auth-version="2"><version who="vpn">v9.01</version><device-id>linux-64</device-id>` +
		inner + `</config-auth>`
	req := "POST /auth HTTP/1.1\r\nHost: vpn\r\nUser-Agent: Open AnyConnect VPN Agent v9.01\r\n" +
		"Content-Type: application/xml; charset=utf-8\r\nX-Transcend-Version: 1\r\nX-Aggregate-Auth: 1\r\n"
	if c.ctx != "" {
		req += "Cookie: webvpncontext=" + c.ctx + "\r\n"
	}
	req += "Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
	if _, err := io.WriteString(c.tc, req); err != nil {
		return frontResp{}
	}
	resp, err := c.read()
	if err != nil {
		return frontResp{}
	}
	for _, v := range resp.cookies {
		if val, ok := strings.CutPrefix(v, "webvpncontext="); ok {
			c.ctx = strings.SplitN(val, ";", 2)[0]
		}
	}
	return resp
}

func (c *frontClient) read() (frontResp, error) {
	var r frontResp
	line, err := c.br.ReadString('\n')
	if err != nil {
		return r, err
	}
	f := strings.Fields(line)
	if len(f) < 2 {
		return r, fmt.Errorf("status line %q", line)
	}
	r.code, _ = strconv.Atoi(f[1])
	n := -1
	for {
		l, err := c.br.ReadString('\n')
		if err != nil {
			return r, err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		name, val, _ := strings.Cut(l, ":")
		val = strings.TrimSpace(val)
		switch strings.ToLower(name) {
		case "set-cookie":
			r.cookies = append(r.cookies, val)
		case "content-length":
			n, _ = strconv.Atoi(val)
		}
	}
	if n > 0 && n < 1<<20 {
		b := make([]byte, n)
		if _, err := io.ReadFull(c.br, b); err != nil {
			return r, err
		}
		r.body = string(b)
	}
	return r, nil
}

// outcome names what a response means for the login.
func (r frontResp) outcome() string {
	switch {
	case r.code == 0:
		return "closed"
	case r.code == 200 && strings.Contains(r.body, `type="complete"`):
		return "cookie"
	case r.code == 200 && strings.Contains(r.body, `name="password"`):
		return "password form"
	case r.code == 200 && strings.Contains(r.body, `name="username"`):
		return "username form"
	}
	return "HTTP " + strconv.Itoa(r.code)
}

// frontLogin posts name then password (while the server asks for one) and
// returns the outcome of each step.
func frontLogin(t *testing.T, r *rig.Rig, dst netip.AddrPort, name, password string) []string {
	c := frontConnect(t, r, dst)
	defer c.tc.Close()
	resp := c.post("<auth><username>" + name + "</username></auth>")
	steps := []string{resp.outcome()}
	for i := 0; i < 3 && resp.outcome() == "password form"; i++ {
		resp = c.post("<auth><password>" + password + "</password></auth>")
		steps = append(steps, resp.outcome())
	}
	return steps
}

// TestFrontForgedLogLine: a user name carrying a newline (as an XML
// character reference, a raw newline, a carriage return) must not forge a
// log line in ours; the real ocserv is only reported.
func TestFrontForgedLogLine(t *testing.T) {
	names := []string{
		"bob&#10;ocserv[1]: main: FORGED-A",
		"bob\nocserv[1]: main: FORGED-B",
		"bob&#13;ocserv[1]: main: FORGED-C",
	}
	for _, kind := range frontServers() {
		t.Run(kind, func(t *testing.T) {
			r, cfg, dst := frontRig(t)
			r.AddUser("bob", "secret")
			srv := frontStart(t, r, kind, cfg)
			for _, name := range names {
				steps := frontLogin(t, r, dst, name, "wrong")
				t.Logf("%s: %q: %v", kind, name, steps)
			}
			// Let sec-mod and main log the failures.
			time.Sleep(2 * time.Second)
			forged := 0
			for _, line := range strings.Split(srv.Log(), "\n") {
				i := strings.Index(line, "FORGED-")
				if i < 0 {
					continue
				}
				// A forged line is one where the injected text starts the
				// line (or follows a bare carriage return).
				pre := line[:i]
				if strings.HasPrefix(line, "ocserv[1]: main: FORGED") || strings.HasSuffix(pre, "\r") || strings.Contains(pre, "\rocserv[1]") {
					forged++
					if forged <= 3 {
						t.Logf("%s: forged line %q", kind, line)
					}
				}
			}
			if !strings.Contains(srv.Log(), "FORGED-A") {
				t.Errorf("%s: the injected name never reached the log: the test proves nothing", kind)
			}
			if kind == "ours" && forged > 0 {
				t.Errorf("ours: %d forged log lines", forged)
			}
			if kind == "real" {
				t.Logf("real ocserv 1.1.6: %d forged log lines (reference only)", forged)
			}
		})
	}
}

// TestFrontLongUsername: a 10 KB user name whose first 63 bytes are an
// existing user logs in on both servers (ocserv cuts names to 63 bytes),
// a wrong password fails the same way, and the log grows by a bounded
// amount per login (6bdcfc8 answered "401 Internal error" and put the
// whole name into every log line).
func TestFrontLongUsername(t *testing.T) {
	user := strings.Repeat("u", 63)
	long := user + strings.Repeat("v", 10<<10-63)
	outcomes := map[string]string{}
	for _, kind := range frontServers() {
		t.Run(kind, func(t *testing.T) {
			r, cfg, dst := frontRig(t)
			r.AddUser(user, "secret")
			srv := frontStart(t, r, kind, cfg)
			before := len(srv.Log())
			good := frontLogin(t, r, dst, long, "secret")
			bad := frontLogin(t, r, dst, long, "wrong")
			time.Sleep(time.Second)
			grown := len(srv.Log()) - before
			got := fmt.Sprintf("right password %v, wrong password %v", good, bad)
			outcomes[kind] = got
			t.Logf("%s: %s; log grew by %d bytes", kind, got, grown)
			if good[len(good)-1] != "cookie" {
				t.Errorf("%s: the 10 KB name did not log in as its first 63 bytes: %v", kind, good)
			}
			if kind == "ours" && grown > 16<<10 {
				t.Errorf("ours: two logins with a 10 KB name wrote %d bytes of log", grown)
			}
			if want, ok := outcomes["real"]; ok && kind == "ours" && got != want {
				t.Errorf("ours: %s; the real ocserv: %s", got, want)
			}
		})
	}
}

// frontFlood writes head, then up to extra bytes of filler from gen, over
// TLS, and reports whether the server closed the connection within wait
// (a write error or EOF), with what the server answered before closing.
func frontFlood(t *testing.T, r *rig.Rig, dst netip.AddrPort, head string, extra int, gen func(i int) string, wait time.Duration) (closed bool, answer string) {
	c := frontConnect(t, r, dst)
	defer c.tc.Close()
	deadline := time.Now().Add(wait)
	_ = c.tc.SetDeadline(deadline)
	readDone := make(chan string, 1)
	go func() {
		b, err := io.ReadAll(io.LimitReader(c.br, 4096))
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			readDone <- "\x00timeout"
			return
		}
		readDone <- string(b)
	}()
	if _, err := io.WriteString(c.tc, head); err == nil {
		for i, sent := 0, 0; sent < extra; i++ {
			s := gen(i)
			if _, err := io.WriteString(c.tc, s); err != nil {
				break
			}
			sent += len(s)
		}
	}
	got := <-readDone
	if got == "\x00timeout" {
		return false, ""
	}
	return true, strings.SplitN(got, "\r\n", 2)[0]
}

// TestFrontOversizedHTTP: a 1 MiB header line, 20,000 headers and a 1 GiB
// Content-Length (headers only) make ours close the connection within a
// few seconds; the real ocserv 1.1.6 is reported (it has no body limit and
// waits for the body until auth-timeout).
func TestFrontOversizedHTTP(t *testing.T) {
	const wait = 10 * time.Second
	cases := []struct {
		name  string
		head  string
		extra int
		gen   func(i int) string
	}{
		{"1 MiB header line", "POST /auth HTTP/1.1\r\nHost: vpn\r\nX-Long: ", 1 << 20, func(int) string { return strings.Repeat("a", 16<<10) }},
		{"20000 headers", "POST /auth HTTP/1.1\r\nHost: vpn\r\n", 20000 * 12, func(i int) string { return fmt.Sprintf("X-%06d: y\r\n", i) }},
		{"1 GiB Content-Length", "POST /auth HTTP/1.1\r\nHost: vpn\r\nContent-Length: 1073741824\r\n\r\n", 0, nil},
	}
	for _, kind := range frontServers() {
		t.Run(kind, func(t *testing.T) {
			r, cfg, dst := frontRig(t)
			frontStart(t, r, kind, cfg)
			for _, tc := range cases {
				start := time.Now()
				closed, answer := frontFlood(t, r, dst, tc.head, tc.extra, tc.gen, wait)
				t.Logf("%s: %s: closed %v after %v, answer %q", kind, tc.name, closed, time.Since(start).Round(time.Millisecond), answer)
				if kind == "ours" && !closed {
					t.Errorf("ours: %s: connection still open after %v", tc.name, wait)
				}
			}
		})
	}
}
