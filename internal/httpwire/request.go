package httpwire

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits bound what a client may send. Zero fields take the defaults
// below.
type Limits struct {
	MaxLineLen     int // request line or one header line, bytes (default DefaultMaxLineLen)
	MaxHeaders     int // header lines per request (default 64)
	MaxHeaderBytes int // sum of the header names and values of one request (default 16 KiB, as ocserv)
	MaxBody        int // Content-Length cap, bytes (default 256 KiB, as ocserv)
	MaxURL         int // longest request target accepted, bytes (default 255, ocserv's url[256])
	MaxRequests    int // requests per connection (default 16, as ocserv)
}

// Default limits. The header and body sizes are current ocserv's
// (src/worker-http.c: MAX_HTTP_HEADERS_SIZE 16 KiB counted over header
// names and values, MAX_HTTP_REQUEST_BODY 256 KiB); ocserv closes the
// connection beyond them, and so do we (a Content-Length over the cap is
// refused before any of the body is read).
const (
	DefaultMaxHeaderBytes = 16 << 10
	DefaultMaxLineLen     = DefaultMaxHeaderBytes + 64 // one maximal header line with its separators
	DefaultMaxHeaders     = 64
	DefaultMaxBody        = 256 << 10
	DefaultMaxURL         = 255
	DefaultMaxRequests    = 16
)

func (l Limits) withDefaults() Limits {
	if l.MaxLineLen <= 0 {
		l.MaxLineLen = DefaultMaxLineLen
	}
	if l.MaxHeaders <= 0 {
		l.MaxHeaders = DefaultMaxHeaders
	}
	if l.MaxHeaderBytes <= 0 {
		l.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	if l.MaxBody <= 0 {
		l.MaxBody = DefaultMaxBody
	}
	if l.MaxURL <= 0 {
		l.MaxURL = DefaultMaxURL
	}
	if l.MaxRequests <= 0 {
		l.MaxRequests = DefaultMaxRequests
	}
	return l
}

// Errors returned by ReadRequest, wrapped with context; test with errors.Is.
var (
	ErrMalformed        = errors.New("httpwire: malformed request")
	ErrLineTooLong      = errors.New("httpwire: line too long")
	ErrTooManyHeaders   = errors.New("httpwire: too many headers")
	ErrBodyTooLarge     = errors.New("httpwire: body too large")
	ErrURLTooLong       = errors.New("httpwire: URL too long")
	ErrUnsupported      = errors.New("httpwire: unsupported transfer encoding")
	ErrTooManyRequests  = errors.New("httpwire: too many requests on one connection")
	ErrHeadersTooLarge  = errors.New("httpwire: headers too large")
	ErrPipelined        = errors.New("httpwire: unexpected pipelined data")
	ErrUnsupportedProto = errors.New("httpwire: unsupported protocol version")
)

// Header is one header line with the name spelled as received (or, in a
// Response, as it will be sent).
type Header struct {
	Name  string
	Value string
}

// Request is one parsed HTTP request.
type Request struct {
	Method  string   // as sent, e.g. "POST", "CONNECT"
	Target  string   // request target as sent, e.g. "/auth", "/CSCOSSLC/tunnel"
	Proto   string   // "HTTP/1.1"
	Minor   int      // HTTP/1.Minor (0 or 1); responses mirror it
	Headers []Header // in arrival order, original spelling
	Body    []byte   // Content-Length bytes (nil when absent)
}

// Path returns the target without its query string.
func (r *Request) Path() string {
	if i := strings.IndexByte(r.Target, '?'); i >= 0 {
		return r.Target[:i]
	}
	return r.Target
}

// Get returns the value of the first header whose name matches name
// case-insensitively, and whether there was one.
func (r *Request) Get(name string) (string, bool) {
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value, true
		}
	}
	return "", false
}

// Exact returns the value of the last header spelled exactly name. ocserv
// matches names case-sensitively and, for repeated headers, the last one
// wins (except Cookie, see SessionCookies).
func (r *Request) Exact(name string) (string, bool) {
	for i := len(r.Headers) - 1; i >= 0; i-- {
		if r.Headers[i].Name == name {
			return r.Headers[i].Value, true
		}
	}
	return "", false
}

// Values returns all values of headers matching name case-insensitively.
func (r *Request) Values(name string) []string {
	var v []string
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, name) {
			v = append(v, h.Value)
		}
	}
	return v
}

// KeepAlive reports whether the connection stays open after the response:
// ocserv keeps HTTP/1.1 connections and closes HTTP/1.0 ones; it does not
// look at the Connection header.
func (r *Request) KeepAlive() bool { return r.Minor >= 1 }

// ReadRequest reads one request from br within the limits.
func ReadRequest(br *bufio.Reader, lim Limits) (*Request, error) {
	lim = lim.withDefaults()
	var line []byte
	var err error
	// Tolerate empty lines before the request line (RFC 9112 §2.2).
	for i := 0; ; i++ {
		line, err = readLine(br, lim.MaxLineLen)
		if err != nil {
			if i == 0 && errors.Is(err, io.EOF) && len(line) == 0 {
				return nil, io.EOF
			}
			return nil, fmt.Errorf("request line: %w", err)
		}
		if len(line) > 0 {
			break
		}
		if i >= 4 {
			return nil, fmt.Errorf("request line: too many empty lines: %w", ErrMalformed)
		}
	}
	req, err := parseRequestLine(line, lim)
	if err != nil {
		return nil, err
	}
	if err := readHeaders(br, req, lim); err != nil {
		return nil, err
	}
	n, err := contentLength(req)
	if err != nil {
		return nil, err
	}
	if n > int64(lim.MaxBody) {
		return nil, fmt.Errorf("Content-Length %d > %d: %w", n, lim.MaxBody, ErrBodyTooLarge)
	}
	if n > 0 {
		req.Body = make([]byte, n)
		if _, err := io.ReadFull(br, req.Body); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("body: %w", err)
		}
	}
	return req, nil
}

// readHeaders reads the header lines up to the empty line.
func readHeaders(br *bufio.Reader, req *Request, lim Limits) error {
	size := 0
	for {
		line, err := readLine(br, lim.MaxLineLen)
		if err != nil {
			return fmt.Errorf("header: %w", err)
		}
		if len(line) == 0 {
			return nil
		}
		if len(req.Headers) >= lim.MaxHeaders {
			return fmt.Errorf("more than %d headers: %w", lim.MaxHeaders, ErrTooManyHeaders)
		}
		h, err := parseHeader(line)
		if err != nil {
			return err
		}
		if size += len(h.Name) + len(h.Value); size > lim.MaxHeaderBytes {
			return fmt.Errorf("headers over %d bytes: %w", lim.MaxHeaderBytes, ErrHeadersTooLarge)
		}
		req.Headers = append(req.Headers, h)
	}
}

// readLine returns one line without its CRLF (or bare LF). A line longer
// than max is an error.
func readLine(br *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(line)+len(frag) > max+2 {
			return nil, fmt.Errorf("over %d bytes: %w", max, ErrLineTooLong)
		}
		line = append(line, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && len(line) > 0 {
				return line, io.ErrUnexpectedEOF
			}
			return line, err
		}
		break
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	if len(line) > max {
		return nil, fmt.Errorf("over %d bytes: %w", max, ErrLineTooLong)
	}
	return line, nil
}

func parseRequestLine(line []byte, lim Limits) (*Request, error) {
	m, rest, ok := bytes.Cut(line, []byte{' '})
	if !ok {
		return nil, fmt.Errorf("request line %q: %w", line, ErrMalformed)
	}
	target, proto, ok := bytes.Cut(rest, []byte{' '})
	if !ok || len(m) == 0 || len(target) == 0 || !isToken(m) {
		return nil, fmt.Errorf("request line %q: %w", line, ErrMalformed)
	}
	for _, c := range target {
		if c <= ' ' || c == 0x7f {
			return nil, fmt.Errorf("request target %q: %w", target, ErrMalformed)
		}
	}
	if len(target) > lim.MaxURL {
		return nil, fmt.Errorf("target of %d bytes: %w", len(target), ErrURLTooLong)
	}
	var minor int
	switch string(proto) {
	case "HTTP/1.1":
		minor = 1
	case "HTTP/1.0":
		minor = 0
	default:
		return nil, fmt.Errorf("protocol %q: %w", proto, ErrUnsupportedProto)
	}
	return &Request{Method: string(m), Target: string(target), Proto: string(proto), Minor: minor}, nil
}

func parseHeader(line []byte) (Header, error) {
	name, value, ok := bytes.Cut(line, []byte{':'})
	if !ok || len(name) == 0 || !isToken(name) {
		// Also rejects obsolete line folding (leading space) and
		// whitespace before the colon.
		return Header{}, fmt.Errorf("header line %q: %w", line, ErrMalformed)
	}
	value = bytes.Trim(value, " \t")
	for _, c := range value {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return Header{}, fmt.Errorf("control byte in header %q: %w", name, ErrMalformed)
		}
	}
	return Header{Name: string(name), Value: string(value)}, nil
}

func contentLength(req *Request) (int64, error) {
	if v, ok := req.Get("Transfer-Encoding"); ok && !strings.EqualFold(v, "identity") {
		return 0, fmt.Errorf("Transfer-Encoding %q: %w", v, ErrUnsupported)
	}
	vals := req.Values("Content-Length")
	if len(vals) == 0 {
		return 0, nil
	}
	var n int64 = -1
	for _, v := range vals {
		if v == "" || strings.TrimLeft(v, "0123456789") != "" || len(v) > 18 {
			return 0, fmt.Errorf("Content-Length %q: %w", v, ErrMalformed)
		}
		x, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("Content-Length %q: %w", v, ErrMalformed)
		}
		if n >= 0 && x != n {
			return 0, fmt.Errorf("conflicting Content-Length values: %w", ErrMalformed)
		}
		n = x
	}
	return n, nil
}

func isToken(b []byte) bool {
	for _, c := range b {
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return len(b) > 0
}
