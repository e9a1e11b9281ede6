package worker

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// lockedBuffer is a log sink safe for the worker's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// loggedHarness starts a worker logging at level 9 into the returned buffer
// and a TLS client connected to it.
func loggedHarness(t *testing.T) (*harness, *lockedBuffer) {
	t.Helper()
	h := newHarness(t, nil, func(h *harness) { h.external = true })
	logs := &lockedBuffer{}
	cc, sc := tcpPair(t)
	wcmd, mcmd, err := ipc.SocketpairConns()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wcmd.Close(); mcmd.Close() })
	go h.main(mcmd, h.tunFD)
	log := logx.NewWithOptions("worker", logx.Options{Level: 9, Stderr: logs, NoSyslog: true, PID: 7})
	go func() {
		res, err := Run(h.ctx, Params{Startup: h.st, Cmd: wcmd, Conn: sc, Log: log, CheckEvery: 50 * time.Millisecond})
		h.done <- runResult{res, err}
	}()
	h.cliConn = tls.Client(cc, &tls.Config{InsecureSkipVerify: true, ServerName: "vpn.test"})
	_ = h.cliConn.SetDeadline(time.Now().Add(20 * time.Second))
	if err := h.cliConn.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	t.Cleanup(func() { h.cliConn.Close() })
	h.br = bufio.NewReader(h.cliConn)
	return h, logs
}

// failPasswords answers the password form with wrong passwords until the
// worker gives up (the fake sec-mod fails the third), so that the worker
// logs lines under the user's name.
func failPasswords(t *testing.T, h *harness, r *resp) {
	t.Helper()
	ctx := strings.SplitN(strings.TrimPrefix(r.header("Set-Cookie"), "webvpncontext="), ";", 2)[0]
	for i := 0; i < 3 && strings.Contains(r.body, `name="password"`); i++ {
		r = h.do(post("/auth", fmt.Sprintf(passXML, "wrong"), "webvpncontext="+ctx))
	}
	if !strings.Contains(r.status, "401") {
		t.Fatalf("wrong passwords: got %s", r.status)
	}
	<-h.done
}

func userXMLFor(name string) string {
	return strings.Replace(userXML, "<username>alice</username>", "<username>"+name+"</username>", 1)
}

// TestLongUsername: a 60 KB <username> is cut to ocserv's 63 bytes and the
// login carries on to the password form; the log stays small. On 6bdcfc8
// the login ended in "401 Internal error" (the name did not fit sec-mod's
// message) and every log line carried the whole name.
func TestLongUsername(t *testing.T) {
	h, logs := loggedHarness(t)
	name := strings.Repeat("u", 60000)
	r := h.do(post("/auth", userXMLFor(name), ""))
	if !strings.Contains(r.body, `name="password"`) {
		t.Fatalf("want the password form, got %s\n%s", r.status, r.body)
	}
	failPasswords(t, h, r)
	out := logs.String()
	if !strings.Contains(out, "worker["+name[:63]+"]: 127.0.0.1") || strings.Contains(out, name[:64]) {
		t.Errorf("log does not carry the name cut to 63 bytes:\n%.2000s", out)
	}
	if len(out) > 8<<10 {
		t.Errorf("%d bytes of log for one request", len(out))
	}
}

// TestForgedLogLine: a user name carrying newlines (as an XML character
// reference, a raw byte or a URL escape in the legacy form) writes no line
// of its own into the log.
func TestForgedLogLine(t *testing.T) {
	bodies := []string{
		userXMLFor("bob&#10;ocserv[1]: main: forged&#13;&#10;x"),
		userXMLFor("bob\nocserv[1]: main: forged"),
		"username=bob%0aocserv[1]:+main:+forged&password=x",
	}
	for _, body := range bodies {
		h, logs := loggedHarness(t)
		r := h.do(post("/auth", body, ""))
		if !strings.Contains(r.body, `name="password"`) {
			t.Fatalf("want the password form, got %s\n%s", r.status, r.body)
		}
		failPasswords(t, h, r)
		for _, line := range strings.Split(strings.TrimSuffix(logs.String(), "\n"), "\n") {
			if !strings.HasPrefix(line, "ocserv[7]: worker") {
				t.Errorf("%q: forged log line %q", body, line)
			}
		}
		if !strings.Contains(logs.String(), `worker[bob\x0aocserv[1]: main: forged`) {
			t.Errorf("%q: escaped name not in the log:\n%s", body, logs.String())
		}
	}
}

// TestCertMissingSwitchesMethod: when the selected alternative includes
// certificate and the client presented none, the worker moves on to the
// next enabled alternative and sends its form (ocserv's
// ws_switch_auth_to_next), or fails with "No certificate" when none is
// left. On 6bdcfc8 auth = "certificate" with enable-auth = "plain[...]"
// answered openconnect's first POST with "401 No certificate".
func TestCertMissingSwitchesMethod(t *testing.T) {
	plain := `"plain[passwd=/nonexistent/passwd]"`
	const (
		userForm = "username form"
		passForm = "password form"
		noCert   = "401 No certificate"
		cookie   = "cookie"
	)
	tests := []struct {
		name  string
		extra [][2]string
		// want is the answer to the init POST, the username POST and
		// the password POST, up to the first 401.
		want []string
	}{
		{"certificate, then plain", [][2]string{{"auth", `"certificate"`}, {"enable-auth", plain}}, []string{userForm, passForm, cookie}},
		{"certificate only", [][2]string{{"auth", `"certificate"`}}, []string{noCert}},
		{"plain and certificate together", [][2]string{{"auth", plain}, {"+auth", `"certificate"`}}, []string{userForm, noCert}},
		{"plain, then certificate", [][2]string{{"auth", plain}, {"enable-auth", `"certificate"`}}, []string{userForm, passForm, cookie}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, append([][2]string{{"cert-user-oid", "2.5.4.3"}}, tt.extra...), nil)
			ctx := ""
			for i, want := range tt.want {
				var r *resp
				switch i {
				case 0:
					r = h.do(post("/", initXML, ""))
				case 1:
					r = h.do(post("/auth", userXML, ""))
				default:
					r = h.do(post("/auth", fmt.Sprintf(passXML, "secret"), "webvpncontext="+ctx))
				}
				got := r.status
				switch {
				case strings.Contains(r.status, "200") && strings.Contains(r.body, `name="username"`):
					got = userForm
				case strings.Contains(r.status, "200") && strings.Contains(r.body, `name="password"`):
					got = passForm
					ctx = strings.SplitN(strings.TrimPrefix(r.header("Set-Cookie"), "webvpncontext="), ";", 2)[0]
				case strings.Contains(r.status, "200") && strings.Contains(r.body, `type="complete"`):
					got = cookie
				case strings.Contains(r.status, noCert):
					got = noCert
				}
				if got != want {
					t.Fatalf("step %d: got %s, want %s\n%s", i, got, want, r.body)
				}
			}
		})
	}
}
