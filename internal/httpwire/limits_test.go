package httpwire

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
)

// countingReader serves prefix, then endless filler bytes, and counts what
// was read: the parser must stop early, whatever the client announces.
type countingReader struct {
	prefix string
	filler byte
	n      int
}

func (r *countingReader) Read(p []byte) (int, error) {
	if r.n > 64<<20 {
		return 0, errors.New("read 64 MiB: unbounded")
	}
	i := 0
	for ; i < len(p); i++ {
		if r.n+i < len(r.prefix) {
			p[i] = r.prefix[r.n+i]
		} else {
			p[i] = r.filler
		}
	}
	r.n += i
	return i, nil
}

// TestOversizedRequests: a 1 MiB header line, 20,000 headers, headers over
// ocserv's 16 KiB, a 1 GiB Content-Length and a body over ocserv's 256 KiB
// are refused after reading a bounded amount; sizes within ocserv's limits
// pass (6bdcfc8 refused bodies over 64 KiB and had no header total).
func TestOversizedRequests(t *testing.T) {
	hdr := func(n int) string { return "X-Pad: " + strings.Repeat("p", n) + "\r\n" }
	many := strings.Repeat("A: b\r\n", 20000)
	tests := []struct {
		name    string
		prefix  string
		filler  byte
		want    error
		maxRead int
	}{
		{"1 MiB header line", "GET / HTTP/1.1\r\nX-Long: ", 'a', ErrLineTooLong, 64 << 10},
		{"20000 headers", "GET / HTTP/1.1\r\n" + many, 'x', ErrTooManyHeaders, 64 << 10},
		{"headers over 16 KiB", "GET / HTTP/1.1\r\n" + hdr(6000) + hdr(6000) + hdr(6000) + "\r\n", 'x', ErrHeadersTooLarge, 64 << 10},
		{"1 GiB Content-Length", "POST /auth HTTP/1.1\r\nContent-Length: 1073741824\r\n\r\n", 'b', ErrBodyTooLarge, 64 << 10},
		{"body over 256 KiB", "POST /auth HTTP/1.1\r\nContent-Length: " + strconv.Itoa(256<<10+1) + "\r\n\r\n", 'b', ErrBodyTooLarge, 64 << 10},
		{"headers of 16 KiB", "GET / HTTP/1.1\r\n" + hdr(8000) + hdr(8000) + "\r\n", 'x', nil, 64 << 10},
		{"body of 256 KiB", "POST /auth HTTP/1.1\r\nContent-Length: " + strconv.Itoa(256<<10) + "\r\n\r\n", 'b', nil, 300 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cr := &countingReader{prefix: tt.prefix, filler: tt.filler}
			req, err := ReadRequest(bufio.NewReaderSize(cr, 4096), Limits{})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (req != nil) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if cr.n > tt.maxRead {
				t.Errorf("read %d bytes, want at most %d", cr.n, tt.maxRead)
			}
		})
	}
}

// TestPipelined: a request followed by another one already sent is refused
// (current ocserv: "unexpected pipelined data"); line ends after a request
// are not a request; bytes after CONNECT are tunnel data.
func TestPipelined(t *testing.T) {
	tests := []struct {
		name, data string
		want       error
	}{
		{"two GETs", "GET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\n\r\n", ErrPipelined},
		{"POST then GET", "POST /auth HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\n\r\n", ErrPipelined},
		{"trailing CRLF", "POST /auth HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc\r\n", nil},
		{"CONNECT then data", "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\n\r\nSTF\x01\x00\x00\x03\x00", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, cli := net.Pipe()
			defer srv.Close()
			defer cli.Close()
			go func() { _, _ = io.WriteString(cli, tt.data) }()
			_, err := NewConn(srv, Limits{}, 0).ReadRequest()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}
