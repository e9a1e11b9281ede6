package httpwire

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"time"
)

// Conn serves a sequence of requests on one connection (keep-alive, as
// openconnect posts several times on one TLS connection). Not safe for
// concurrent use.
type Conn struct {
	rw      io.ReadWriter
	br      *bufio.Reader
	lim     Limits
	timeout time.Duration
	count   int
}

type readDeadliner interface {
	SetReadDeadline(time.Time) error
}

// NewConn wraps rw (typically a *tls.Conn). If timeout > 0 and rw has
// SetReadDeadline, each ReadRequest must complete within timeout.
func NewConn(rw io.ReadWriter, lim Limits, timeout time.Duration) *Conn {
	lim = lim.withDefaults()
	return &Conn{rw: rw, br: bufio.NewReaderSize(rw, 4096), lim: lim, timeout: timeout}
}

// Requests returns how many requests have been read so far.
func (c *Conn) Requests() int { return c.count }

// ReadRequest reads the next request. After Limits.MaxRequests requests it
// returns ErrTooManyRequests without reading (ocserv then closes). A
// connection closed cleanly between requests gives io.EOF. A request
// followed by more data already received (pipelining) gives ErrPipelined.
func (c *Conn) ReadRequest() (*Request, error) {
	if c.count >= c.lim.MaxRequests {
		return nil, fmt.Errorf("after %d requests: %w", c.count, ErrTooManyRequests)
	}
	d, hasDeadline := c.rw.(readDeadliner)
	if hasDeadline && c.timeout > 0 {
		if err := d.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
			return nil, fmt.Errorf("httpwire: set read deadline: %w", err)
		}
	}
	req, err := ReadRequest(c.br, c.lim)
	if hasDeadline && c.timeout > 0 {
		if derr := d.SetReadDeadline(time.Time{}); derr != nil && err == nil {
			err = fmt.Errorf("httpwire: clear read deadline: %w", derr)
		}
	}
	if err == nil && req.Method != "CONNECT" && c.pipelined() {
		err = ErrPipelined
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, err
		}
		return nil, fmt.Errorf("httpwire: request %d: %w", c.count+1, err)
	}
	c.count++
	return req, nil
}

// pipelined reports whether the client already sent more than line ends
// after a complete request: current ocserv closes the connection on such
// "unexpected pipelined data" rather than queueing requests. After a
// CONNECT the bytes that follow are tunnel data (see Reader).
func (c *Conn) pipelined() bool {
	b, _ := c.br.Peek(c.br.Buffered())
	for _, x := range b {
		if x != '\r' && x != '\n' {
			return true
		}
	}
	return false
}

// WriteResponse sends resp with a single Write.
func (c *Conn) WriteResponse(resp *Response) error {
	b, err := resp.Bytes()
	if err != nil {
		return err
	}
	if _, err := c.rw.Write(b); err != nil {
		return fmt.Errorf("httpwire: write response: %w", err)
	}
	return nil
}

// Reader returns the buffered reader over the connection. After a CONNECT
// the tunnel data must be read through it (not from the raw connection),
// or bytes the client sent right after the request would be lost.
func (c *Conn) Reader() io.Reader { return c.br }
