package httpwire

import (
	"bufio"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Observed openconnect 9.01 init POST (STRAP keys shortened).
const ocInit = "POST / HTTP/1.1\r\n" +
	"Host: 10.231.7.1:4443\r\n" +
	"User-Agent: Open AnyConnect VPN Agent v9.01-3\r\n" +
	"Accept: */*\r\n" +
	"Accept-Encoding: identity\r\n" +
	"X-Transcend-Version: 1\r\n" +
	"X-Aggregate-Auth: 1\r\n" +
	"X-Support-HTTP-Auth: true\r\n" +
	"X-AnyConnect-STRAP-Pubkey: MFkw==\r\n" +
	"X-Pad: 00000000000000\r\n" +
	"Content-Type: application/xml; charset=utf-8\r\n" +
	"Content-Length: 12\r\n" +
	"\r\n" +
	"<?xml a=1?>\n"

func read(s string, lim Limits) (*Request, error) {
	return ReadRequest(bufio.NewReader(strings.NewReader(s)), lim)
}

func TestReadRequest(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		lim        Limits
		wantMethod string
		wantTarget string
		wantMinor  int
		wantBody   string
		wantHdrs   int
		wantErr    error
	}{
		{"openconnect init", ocInit, Limits{}, "POST", "/", 1, "<?xml a=1?>\n", 11, nil},
		{"connect", "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: x\r\nX-CSTP-MTU: 1390\r\n\r\n", Limits{}, "CONNECT", "/CSCOSSLC/tunnel", 1, "", 2, nil},
		{"http 1.0 bare LF", "GET /cert.pem HTTP/1.0\nHost: x\n\n", Limits{}, "GET", "/cert.pem", 0, "", 1, nil},
		{"leading empty line", "\r\nGET / HTTP/1.1\r\n\r\n", Limits{}, "GET", "/", 1, "", 0, nil},
		{"value whitespace trimmed", "GET / HTTP/1.1\r\nX-A:   v  \t\r\n\r\n", Limits{}, "GET", "/", 1, "", 1, nil},
		{"empty", "", Limits{}, "", "", 0, "", 0, io.EOF},
		{"no proto", "GET /\r\n\r\n", Limits{}, "", "", 0, "", 0, ErrMalformed},
		{"http2", "GET / HTTP/2.0\r\n\r\n", Limits{}, "", "", 0, "", 0, ErrUnsupportedProto},
		{"url 255 ok", "GET /" + strings.Repeat("a", 254) + " HTTP/1.1\r\n\r\n", Limits{}, "GET", "/" + strings.Repeat("a", 254), 1, "", 0, nil},
		{"url 256 refused", "GET /" + strings.Repeat("a", 255) + " HTTP/1.1\r\n\r\n", Limits{}, "", "", 0, "", 0, ErrURLTooLong},
		{"line too long", "GET / HTTP/1.1\r\nX: " + strings.Repeat("a", 100) + "\r\n\r\n", Limits{MaxLineLen: 50}, "", "", 0, "", 0, ErrLineTooLong},
		{"too many headers", "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", Limits{MaxHeaders: 2}, "", "", 0, "", 0, ErrTooManyHeaders},
		{"body too large", "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world", Limits{MaxBody: 10}, "", "", 0, "", 0, ErrBodyTooLarge},
		{"short body", "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello", Limits{}, "", "", 0, "", 0, io.ErrUnexpectedEOF},
		{"bad content length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", Limits{}, "", "", 0, "", 0, ErrMalformed},
		{"conflicting content length", "POST / HTTP/1.1\r\nContent-Length: 1\r\ncontent-length: 2\r\n\r\nab", Limits{}, "", "", 0, "", 0, ErrMalformed},
		{"chunked refused", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", Limits{}, "", "", 0, "", 0, ErrUnsupported},
		{"folded header refused", "GET / HTTP/1.1\r\nA: 1\r\n  more\r\n\r\n", Limits{}, "", "", 0, "", 0, ErrMalformed},
		{"space before colon refused", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", Limits{}, "", "", 0, "", 0, ErrMalformed},
		{"control byte in value", "GET / HTTP/1.1\r\nA: x\x00y\r\n\r\n", Limits{}, "", "", 0, "", 0, ErrMalformed},
		{"eof inside headers", "GET / HTTP/1.1\r\nHost: x", Limits{}, "", "", 0, "", 0, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := read(tt.in, tt.lim)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if req.Method != tt.wantMethod || req.Target != tt.wantTarget || req.Minor != tt.wantMinor ||
				string(req.Body) != tt.wantBody || len(req.Headers) != tt.wantHdrs {
				t.Fatalf("got %+v", req)
			}
		})
	}
}

func TestHeaderLookup(t *testing.T) {
	req, err := read("GET /profiles/x.xml?a=b HTTP/1.1\r\nX-CSTP-MTU: 1390\r\nx-cstp-mtu: 1\r\nX-CSTP-Base-MTU: 1500\r\n\r\n", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := req.Get("X-Cstp-Mtu"); !ok || v != "1390" {
		t.Errorf("Get = %q %v", v, ok)
	}
	if v, ok := req.Exact("x-cstp-mtu"); !ok || v != "1" {
		t.Errorf("Exact lower = %q %v", v, ok)
	}
	if _, ok := req.Exact("X-Cstp-Mtu"); ok {
		t.Errorf("Exact matched a differently spelled name")
	}
	if got := req.Values("x-cstp-MTU"); !reflect.DeepEqual(got, []string{"1390", "1"}) {
		t.Errorf("Values = %q", got)
	}
	if req.Headers[0].Name != "X-CSTP-MTU" {
		t.Errorf("original spelling lost: %q", req.Headers[0].Name)
	}
	if req.Path() != "/profiles/x.xml" || !req.KeepAlive() {
		t.Errorf("Path = %q KeepAlive = %v", req.Path(), req.KeepAlive())
	}
}

const sidB64 = "AJgQzrWsNCDApAPnSf1MFzr7/DDKXiV77ej2GDcgnIQ="

func TestSessionCookies(t *testing.T) {
	want, ok := DecodeSID(sidB64)
	if !ok || want[0] != 0x00 || EncodeSID(want) != sidB64 {
		t.Fatalf("DecodeSID round trip failed")
	}
	tests := []struct {
		name       string
		headers    string
		wantCookie bool
		wantSID    bool
	}{
		{"webvpn", "Cookie: webvpn=" + sidB64 + "\r\n", true, false},
		{"webvpncontext", "Cookie: webvpncontext=" + sidB64 + "\r\n", false, true},
		{"both with spaces", "Cookie:  webvpncontext=" + sidB64 + " ;  webvpn=" + sidB64 + "  \r\n", true, true},
		{"two headers", "Cookie: a=b\r\nCookie: webvpn=" + sidB64 + "\r\n", true, false},
		{"wrong length", "Cookie: webvpn=" + sidB64[:40] + "\r\n", false, false},
		{"bad base64", "Cookie: webvpncontext=" + strings.Repeat("!", 44) + "\r\n", false, false},
		{"later bad value clears", "Cookie: webvpncontext=" + sidB64 + "; webvpncontext=AAAA\r\n", false, false},
		{"header name is case-sensitive", "cookie: webvpn=" + sidB64 + "\r\n", false, false},
		{"cookie name is case-sensitive", "Cookie: WebVPN=" + sidB64 + "\r\n", false, false},
		{"short webvpn stops header", "Cookie: webvpn=AAAA; webvpncontext=" + sidB64 + "\r\n", false, false},
		{"url-safe alphabet refused", "Cookie: webvpn=" + strings.NewReplacer("/", "_", "+", "-").Replace(sidB64) + "\r\n", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := read("CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n"+tt.headers+"\r\n", Limits{})
			if err != nil {
				t.Fatal(err)
			}
			s := req.SessionCookies()
			if s.HasCookie != tt.wantCookie || s.HasSID != tt.wantSID {
				t.Fatalf("HasCookie=%v HasSID=%v", s.HasCookie, s.HasSID)
			}
			if s.HasCookie && s.Cookie != want || s.HasSID && s.SID != want {
				t.Fatalf("decoded value differs")
			}
		})
	}
}

func TestParseCookies(t *testing.T) {
	got := ParseCookies(" a=1; b ;c=x=y;; ")
	want := []Cookie{{"a", "1"}, {"b", ""}, {"c", "x=y"}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %v", got)
	}
	req, _ := read("GET / HTTP/1.1\r\nCookie: a=1; webvpnc=z\r\n\r\n", Limits{})
	if v, ok := req.Cookie("webvpnc"); !ok || v != "z" {
		t.Fatalf("Cookie = %q %v", v, ok)
	}
}

func TestResponseBytes(t *testing.T) {
	tests := []struct {
		name string
		resp *Response
		want string
	}{
		{
			"404 as ocserv",
			(&Response{Status: StatusLine(1, 404, "Not found"), Body: []byte("<html><body><h1>404 Not Found</h1></body></html>\r\n")}).
				Add("Content-length", "50").Add("Connection", "close"),
			"HTTP/1.1 404 Not found\r\nContent-length: 50\r\nConnection: close\r\n\r\n<html><body><h1>404 Not Found</h1></body></html>\r\n",
		},
		{
			"connected keeps spelling and order",
			(&Response{Status: "HTTP/1.1 200 CONNECTED"}).Add("X-CSTP-Version", "1").Add("X-CSTP-MTU", "1434").Add("X-DTLS12-CipherSuite", "x"),
			"HTTP/1.1 200 CONNECTED\r\nX-CSTP-Version: 1\r\nX-CSTP-MTU: 1434\r\nX-DTLS12-CipherSuite: x\r\n\r\n",
		},
		{
			"content length helper",
			(&Response{Status: StatusLine(0, 200, "OK"), Body: []byte("0,0,0000\n")}).Add("Content-Type", "text/xml").ContentLength(),
			"HTTP/1.0 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 9\r\n\r\n0,0,0000\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.resp.Bytes()
			if err != nil || string(got) != tt.want {
				t.Fatalf("got %q, %v\nwant %q", got, err, tt.want)
			}
		})
	}
	for _, bad := range []*Response{
		{Status: "HTTP/1.1 200 OK\r\nX: y"},
		{Status: ""},
		(&Response{Status: "HTTP/1.1 200 OK"}).Add("X", "a\r\nInjected: 1"),
		(&Response{Status: "HTTP/1.1 200 OK"}).Add("Bad Name", "v"),
	} {
		if _, err := bad.Bytes(); !errors.Is(err, ErrBadHeader) {
			t.Errorf("%q: err = %v, want ErrBadHeader", bad.Status, err)
		}
	}
}

// TestConnKeepAlive runs several requests over one net.Pipe, then checks
// that bytes sent right after a CONNECT stay readable through Reader.
func TestConnKeepAlive(t *testing.T) {
	srv, cli := net.Pipe()
	defer srv.Close()
	defer cli.Close()
	c := NewConn(srv, Limits{}, 5*time.Second)
	go func() {
		// One request at a time, each after the previous response, as
		// openconnect does (pipelining is refused, TestPipelined).
		br := bufio.NewReader(cli)
		for _, r := range []string{ocInit, "POST /auth HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
			"CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nCookie: webvpn=" + sidB64 + "\r\n\r\nSTF\x01\x00\x00\x03\x00"} {
			if _, err := io.WriteString(cli, r); err != nil {
				return
			}
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if l == "\r\n" {
					break
				}
			}
		}
	}()
	for i, want := range []string{"/", "/auth", "/CSCOSSLC/tunnel"} {
		req, err := c.ReadRequest()
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if req.Target != want {
			t.Fatalf("request %d: target %q, want %q", i, req.Target, want)
		}
		if err := c.WriteResponse((&Response{Status: "HTTP/1.1 200 OK"}).ContentLength()); err != nil {
			t.Fatal(err)
		}
	}
	if c.Requests() != 3 {
		t.Fatalf("Requests = %d", c.Requests())
	}
	tail := make([]byte, 8)
	if _, err := io.ReadFull(c.Reader(), tail); err != nil || string(tail) != "STF\x01\x00\x00\x03\x00" {
		t.Fatalf("tunnel bytes after CONNECT: %q %v", tail, err)
	}
}

func TestConnLimitsAndDeadline(t *testing.T) {
	srv, cli := net.Pipe()
	defer srv.Close()
	defer cli.Close()
	c := NewConn(srv, Limits{MaxRequests: 2}, 200*time.Millisecond)
	go func() {
		for i := 0; i < 3; i++ {
			if _, err := io.WriteString(cli, "GET / HTTP/1.1\r\n\r\n"); err != nil {
				return
			}
		}
	}()
	for i := 0; i < 2; i++ {
		if _, err := c.ReadRequest(); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
	}
	if _, err := c.ReadRequest(); !errors.Is(err, ErrTooManyRequests) {
		t.Fatalf("third request: err = %v", err)
	}

	srv2, cli2 := net.Pipe()
	defer srv2.Close()
	defer cli2.Close()
	c2 := NewConn(srv2, Limits{}, 100*time.Millisecond)
	go func() { _, _ = io.WriteString(cli2, "GET / HTTP/1.1\r\nHost: slow") }()
	start := time.Now()
	_, err := c2.ReadRequest()
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("slow client: err = %v, want timeout", err)
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("deadline not applied")
	}

	srv3, cli3 := net.Pipe()
	defer srv3.Close()
	c3 := NewConn(srv3, Limits{}, time.Second)
	go func() { time.Sleep(20 * time.Millisecond); cli3.Close() }()
	if _, err := c3.ReadRequest(); err != io.EOF {
		t.Fatalf("closed connection: err = %v, want io.EOF", err)
	}
}
