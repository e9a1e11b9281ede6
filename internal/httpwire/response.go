package httpwire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrBadHeader is returned when a response header name or value, or the
// status line, would break the framing (CR, LF, or a bad name).
var ErrBadHeader = errors.New("httpwire: invalid response header")

// Response is a response head plus body, sent exactly as given: the status
// line verbatim, headers in order with their spelling untouched. Nothing is
// added implicitly: a caller that wants Content-Length adds it where ocserv
// puts it (see ContentLength).
type Response struct {
	Status  string // whole status line without CRLF, e.g. "HTTP/1.1 200 CONNECTED"
	Headers []Header
	Body    []byte
}

// StatusLine builds "HTTP/1.<minor> <code> <reason>". ocserv mirrors the
// request's minor version in most responses.
func StatusLine(minor, code int, reason string) string {
	return "HTTP/1." + strconv.Itoa(minor) + " " + strconv.Itoa(code) + " " + reason
}

// Add appends a header and returns r for chaining.
func (r *Response) Add(name, value string) *Response {
	r.Headers = append(r.Headers, Header{Name: name, Value: value})
	return r
}

// ContentLength appends "Content-Length: <len(Body)>" (set Body first).
func (r *Response) ContentLength() *Response {
	return r.Add("Content-Length", strconv.Itoa(len(r.Body)))
}

// AppendTo appends the wire form of r to dst.
func (r *Response) AppendTo(dst []byte) ([]byte, error) {
	if r.Status == "" || strings.ContainsAny(r.Status, "\r\n") {
		return dst, fmt.Errorf("status line %q: %w", r.Status, ErrBadHeader)
	}
	dst = append(dst, r.Status...)
	dst = append(dst, "\r\n"...)
	for _, h := range r.Headers {
		if !isToken([]byte(h.Name)) || strings.ContainsAny(h.Value, "\r\n") {
			return dst, fmt.Errorf("header %q: %w", h.Name, ErrBadHeader)
		}
		dst = append(dst, h.Name...)
		dst = append(dst, ": "...)
		dst = append(dst, h.Value...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, r.Body...), nil
}

// Bytes returns the wire form of r.
func (r *Response) Bytes() ([]byte, error) { return r.AppendTo(nil) }
