package worker

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/internal/cstp"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// TestConnectHeadersGolden compares our CONNECT response with the real
// ocserv 1.1.6's for the same configuration (testdata/connect-*.golden,
// captured by TestCaptureRealConnect through openconnect, whose log shows
// the status line and the X-CSTP-/X-DTLS- headers).
func TestConnectHeadersGolden(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", "connect-"+gc.name+".golden"))
			if err != nil {
				t.Fatal(err)
			}
			h := newHarness(t, gc.extra, nil)
			r := h.connect()
			lines := []string{r.status}
			for _, hd := range r.headers {
				if strings.HasPrefix(hd, "X-CSTP-") || strings.HasPrefix(hd, "X-DTLS-") {
					lines = append(lines, hd)
				}
			}
			got := strings.Join(maskHeaders(lines), "\n") + "\n"
			if got != string(want) {
				t.Errorf("CONNECT response differs from ocserv 1.1.6\n--- got\n%s--- want\n%s", got, want)
			}
			if gc.name == "full" && r.header("X-My-Header") != "hi" {
				t.Errorf("custom-header missing: %q", r.headers)
			}
			var mtu uint32
			var suite string
			for i := 0; i < 200 && suite == ""; i++ {
				time.Sleep(10 * time.Millisecond)
				h.mu.Lock()
				mtu, suite = h.tunMTU, h.tlsSuite
				h.mu.Unlock()
			}
			if want := map[string]uint32{"basic": 1472, "full": 1372, "norekey": 1472}[gc.name]; mtu != want {
				t.Errorf("CMD_TUN_MTU %d, want %d", mtu, want)
			}
			if !regexp.MustCompile(`^\(TLS1\.[23]\)-\(ECDHE-(X25519|SECP256R1)\)-\(ECDSA-[A-Z0-9-]*SHA256\)-\(AES-(128|256)-GCM\)$`).MatchString(suite) {
				t.Errorf("session info cipher suite %q", suite)
			}
		})
	}
}

func readPacket(t *testing.T, rd *cstp.Reader) cstp.Packet {
	t.Helper()
	p, err := rd.Next()
	if err != nil {
		t.Fatalf("reading CSTP: %v", err)
	}
	return p
}

// TestTunnelDataDPDAndBye moves data both ways, checks the DPD echo, and
// ends with the user-quit bye: reason 2 in the final statistics.
func TestTunnelDataDPDAndBye(t *testing.T) {
	h := newHarness(t, nil, nil)
	r := h.connect()
	if r.status != "HTTP/1.1 200 CONNECTED" {
		t.Fatalf("status %q", r.status)
	}
	rd := cstp.NewReader(h.br, 0)
	wr := cstp.NewWriter(h.cliConn)

	// tun -> client
	pkt := bytes.Repeat([]byte{0x45, 1, 2, 3}, 25)
	if _, err := unix.Write(h.tunPeer, pkt); err != nil {
		t.Fatal(err)
	}
	p := readPacket(t, rd)
	if p.Type != cstp.TypeData || !bytes.Equal(p.Payload, pkt) {
		t.Fatalf("got %v %x", p.Type, p.Payload)
	}
	// client -> tun
	up := bytes.Repeat([]byte{0x45, 9}, 30)
	if err := wr.WriteData(up); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2000)
	_ = unix.SetNonblock(h.tunPeer, false)
	tv := unix.Timeval{Sec: 5}
	_ = unix.SetsockoptTimeval(h.tunPeer, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	n, err := unix.Read(h.tunPeer, buf)
	if err != nil || !bytes.Equal(buf[:n], up) {
		t.Fatalf("tun got %x, %v", buf[:max(n, 0)], err)
	}
	// DPD echo, byte for byte.
	if err := wr.WritePacket(cstp.TypeDPDReq, []byte("probe-1234")); err != nil {
		t.Fatal(err)
	}
	p = readPacket(t, rd)
	if p.Type != cstp.TypeDPDResp || string(p.Payload) != "probe-1234" {
		t.Fatalf("DPD reply %v %q", p.Type, p.Payload)
	}
	// Keepalive is ignored.
	if err := wr.WritePacket(cstp.TypeKeepalive, nil); err != nil {
		t.Fatal(err)
	}
	bye, _ := cstp.AppendBye(nil, "Aborted by caller")
	if _, err := h.cliConn.Write(bye); err != nil {
		t.Fatal(err)
	}
	res := h.wait()
	if res.err != nil || res.res.Reason != ReasonUserDisconnect || res.res.Username != "alice" {
		t.Fatalf("result %+v, %v", res.res, res.err)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.stats) == 0 {
		t.Fatal("no CMD_SEC_CLI_STATS")
	}
	last := h.stats[len(h.stats)-1]
	if last.GetDisconReason() != ReasonUserDisconnect || last.GetBytesIn() != uint64(len(up)) ||
		last.GetBytesOut() != uint64(len(pkt)) || string(last.GetSid()) != testSID {
		t.Errorf("final stats %v", last)
	}
	if len(h.toMain) < 3 || h.toMain[0] != ipc.AuthCookieReq || h.toMain[1] != ipc.CmdTunMTU || h.toMain[2] != ipc.CmdSessionInfo {
		t.Errorf("messages to main %v", h.toMain)
	}
}

// TestWrongPasswordThrice: two "Login failed." forms, then 401 and close.
func TestWrongPasswordThrice(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.do(post("/", initXML, ""))
	r := h.do(post("/auth", userXML, ""))
	ctx := strings.SplitN(strings.TrimPrefix(r.header("Set-Cookie"), "webvpncontext="), ";", 2)[0]
	for i := 0; i < 2; i++ {
		r = h.do(post("/auth", fmt.Sprintf(passXML, "wrong"), "webvpncontext="+ctx))
		if !strings.Contains(r.body, "<message>Login failed.\nPlease enter your password.</message>") {
			t.Fatalf("attempt %d: %s", i+1, r.body)
		}
	}
	r = h.do(post("/auth", fmt.Sprintf(passXML, "wrong"), "webvpncontext="+ctx))
	if r.status != "HTTP/1.1 401 Authentication failed" || r.header("Content-Length") != "0" {
		t.Fatalf("third attempt: %s %q", r.status, r.headers)
	}
	if _, err := h.br.ReadByte(); err != io.EOF {
		t.Errorf("connection not closed after 401: %v", err)
	}
	if res := h.wait(); res.err != nil || res.res.Reason != 0 {
		t.Errorf("result %+v %v", res.res, res.err)
	}
}

func TestCookieRefused(t *testing.T) {
	h := newHarness(t, nil, func(h *harness) { h.refuse = true })
	cookie := h.login()
	if _, err := io.WriteString(h.cliConn, fmt.Sprintf(connectH, cookie)); err != nil {
		t.Fatal(err)
	}
	all, _ := io.ReadAll(h.br)
	if string(all) != "HTTP/1.1 401 Cookie is not acceptable\r\n\r\n" {
		t.Fatalf("got %q", all)
	}
}

func TestConnectWithoutCookie(t *testing.T) {
	h := newHarness(t, nil, nil)
	io.WriteString(h.cliConn, "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: vpn.test\r\n\r\n")
	all, _ := io.ReadAll(h.br)
	if string(all) != "HTTP/1.1 503 Service Unavailable\r\n\r\n" {
		t.Fatalf("got %q", all)
	}
}

// TestIdleTimeout: the vhost's idle-timeout ends a silent session; a
// per-user idle-timeout is ignored (ocserv 1.1.6 reads the vhost's value).
func TestIdleTimeout(t *testing.T) {
	h := newHarness(t, [][2]string{{"idle-timeout", "1"}}, func(h *harness) {
		h.override = func(gc *ipcpb.GroupConfig) { gc.IdleTimeout = ptr(uint32(1000)) }
	})
	start := time.Now()
	h.connect()
	res := h.wait()
	if res.res.Reason != ReasonIdleTimeout {
		t.Fatalf("reason %d (%v), want idle timeout", res.res.Reason, res.err)
	}
	if d := time.Since(start); d < time.Second {
		t.Errorf("idle timeout after %v", d)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if n := len(h.stats); n == 0 || h.stats[n-1].GetDisconReason() != ReasonIdleTimeout {
		t.Errorf("final stats %v", h.stats)
	}
}

// TestDPDTimeout: a silent client gets a DPD request after 2×DPD and is
// dropped after 3×DPD.
func TestDPDTimeout(t *testing.T) {
	h := newHarness(t, nil, func(h *harness) {
		h.override = func(gc *ipcpb.GroupConfig) { gc.Dpd = ptr(uint32(1)) }
	})
	h.connect()
	rd := cstp.NewReader(h.br, 0)
	p := readPacket(t, rd)
	if p.Type != cstp.TypeDPDReq || len(p.Payload) != 0 {
		t.Fatalf("got %v %x, want DPD request", p.Type, p.Payload)
	}
	if res := h.wait(); res.res.Reason != ReasonDPDTimeout {
		t.Fatalf("reason %d (%v), want DPD timeout", res.res.Reason, res.err)
	}
}

// TestTerminateKick: SIGTERM (context cancel) sends the CSTP kick.
func TestTerminateKick(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.connect()
	h.cancel()
	rd := cstp.NewReader(h.br, 0)
	p := readPacket(t, rd)
	if p.Type != cstp.TypeDisconnect || len(p.Payload) != 0 {
		t.Fatalf("got %v %x, want kick", p.Type, p.Payload)
	}
	if res := h.wait(); res.res.Reason != ReasonServerDisconnect {
		t.Fatalf("reason %d", res.res.Reason)
	}
}

func TestStaticPagesAnd404(t *testing.T) {
	h := newHarness(t, nil, nil)
	get := func(p string) string { return "GET " + p + " HTTP/1.1\r\nHost: vpn.test\r\n\r\n" }
	r := h.do(get("/1/index.html"))
	if r.status != "HTTP/1.1 200 OK" || r.body != "<html></html>\n" ||
		strings.Join(r.headers, "|") != "Connection: Keep-Alive|Content-Type: text/html|X-Transcend-Version: 1|Content-Length: 14" {
		t.Fatalf("index: %s %q %q", r.status, r.headers, r.body)
	}
	r = h.do(get("/1/binaries/update.txt"))
	if r.body != "0,0,0000\n" {
		t.Errorf("update.txt %q", r.body)
	}
	r = h.do(get("/cert.pem"))
	if !strings.HasPrefix(r.body, "-----BEGIN CERTIFICATE-----") || r.header("Content-Type") != "application/x-pem-file" {
		t.Errorf("cert.pem %q %q", r.headers, r.body)
	}
	r = h.do(get("/auth"))
	if !strings.Contains(r.body, "Please enter your username.") {
		t.Errorf("GET /auth %q", r.body)
	}
	r = h.do(get("/+CSCOT+/translation-table?x"))
	if r.status != "HTTP/1.1 404 Not found" || strings.Join(r.headers, "|") != "Content-length: 50|Connection: close" {
		t.Fatalf("404: %s %q", r.status, r.headers)
	}
	if _, err := h.br.ReadByte(); err != io.EOF {
		t.Errorf("connection not closed after 404: %v", err)
	}
}
