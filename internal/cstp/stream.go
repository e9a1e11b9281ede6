package cstp

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// readAhead is extra buffer space beyond one maximal packet so that a
// single Read can pull in a whole TLS record (16 KiB) at once.
const readAhead = 16 << 10

// Reader parses CSTP packets from a byte stream (typically a tls.Conn).
// Packets are reassembled by their length field, so a packet split over
// several reads, or several packets in one read, are both handled.
// It owns a single buffer, allocated once, and does not allocate per
// packet. A Reader is not safe for concurrent use.
type Reader struct {
	r          io.Reader
	maxPayload int
	buf        []byte
	start, end int // unread bytes are buf[start:end]
	err        error
}

// NewReader returns a Reader that rejects packets whose payload is longer
// than maxPayload (the negotiated limit; <= 0 or > MaxPayload means
// MaxPayload).
func NewReader(r io.Reader, maxPayload int) *Reader {
	if maxPayload <= 0 || maxPayload > MaxPayload {
		maxPayload = MaxPayload
	}
	return &Reader{r: r, maxPayload: maxPayload, buf: make([]byte, HeaderLen+maxPayload+readAhead)}
}

// Buffered returns the number of bytes read from the stream but not yet
// returned as packets.
func (r *Reader) Buffered() int { return r.end - r.start }

// Next returns the next packet. Its Payload aliases the Reader's buffer and
// is valid only until the following call to Next. A malformed header or an
// over-long length returns an error wrapping ErrBadMagic or ErrTooLong; the
// error is sticky, since the stream can no longer be resynchronised. A clean
// end of stream between packets returns io.EOF; inside a packet,
// io.ErrUnexpectedEOF.
func (r *Reader) Next() (Packet, error) {
	if r.err != nil {
		return Packet{}, r.err
	}
	if err := r.fill(HeaderLen); err != nil {
		return Packet{}, r.fail(err, r.end == r.start)
	}
	t, n, err := ParseHeader(r.buf[r.start:r.end], r.maxPayload)
	if err != nil {
		r.err = err
		return Packet{}, err
	}
	if err := r.fill(HeaderLen + n); err != nil {
		return Packet{}, r.fail(err, false)
	}
	p := Packet{Type: t, Payload: r.buf[r.start+HeaderLen : r.start+HeaderLen+n : r.start+HeaderLen+n]}
	r.start += HeaderLen + n
	return p, nil
}

func (r *Reader) fail(err error, atBoundary bool) error {
	if errors.Is(err, io.EOF) {
		if atBoundary {
			err = io.EOF
		} else {
			err = io.ErrUnexpectedEOF
		}
	} else {
		err = fmt.Errorf("cstp: read: %w", err)
	}
	r.err = err
	return err
}

// fill makes sure at least need unread bytes are buffered.
func (r *Reader) fill(need int) error {
	if r.end-r.start >= need {
		return nil
	}
	if r.start+need > len(r.buf) {
		// Move the partial packet to the front to make room.
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	for empty := 0; r.end-r.start < need; {
		n, err := r.r.Read(r.buf[r.end:])
		r.end += n
		if r.end-r.start >= need {
			return nil
		}
		if err != nil {
			return err
		}
		if n == 0 {
			if empty++; empty >= 100 {
				return io.ErrNoProgress
			}
		}
	}
	return nil
}

// DefaultWriteTimeout bounds one write to the client: a peer that does not
// drain a single record within it is considered dead (its TCP window has
// stayed closed), and the write fails instead of blocking forever.
const DefaultWriteTimeout = 30 * time.Second

// ErrBusy is returned by TryWritePacket when another write holds the
// Writer for longer than the caller was willing to wait.
var ErrBusy = errors.New("cstp: writer busy")

// Writer emits CSTP packets, one Write call per packet, so that on a
// tls.Conn every packet is its own TLS record as openconnect expects. A
// Writer is safe for concurrent use: packets are never interleaved.
//
// Every write carries a deadline when the underlying writer supports
// SetWriteDeadline (a net.Conn or tls.Conn), so a peer that stops reading
// makes writes fail within the timeout instead of blocking forever. The
// first write error is sticky: a tls.Conn whose write timed out is
// unusable anyway, and later writes fail at once.
type Writer struct {
	sem     chan struct{} // one token: the right to write
	w       io.Writer
	dl      writeDeadliner // nil when w has no deadlines
	timeout time.Duration
	buf     []byte
	err     error // sticky; guarded by sem
}

type writeDeadliner interface {
	SetWriteDeadline(t time.Time) error
}

// NewWriter returns a Writer on w with DefaultWriteTimeout.
func NewWriter(w io.Writer) *Writer {
	wr := &Writer{sem: make(chan struct{}, 1), w: w, timeout: DefaultWriteTimeout,
		buf: make([]byte, 0, HeaderLen+1500)}
	wr.dl, _ = w.(writeDeadliner)
	return wr
}

// SetTimeout changes the bound of each write (<= 0 means
// DefaultWriteTimeout). Call it before the Writer is shared.
func (w *Writer) SetTimeout(d time.Duration) {
	if d <= 0 {
		d = DefaultWriteTimeout
	}
	w.timeout = d
}

// lock takes the write token, waiting at most wait (< 0: no bound).
func (w *Writer) lock(wait time.Duration) bool {
	if wait < 0 {
		w.sem <- struct{}{}
		return true
	}
	select {
	case w.sem <- struct{}{}:
		return true
	default:
	}
	if wait == 0 {
		return false
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case w.sem <- struct{}{}:
		return true
	case <-t.C:
		return false
	}
}

func (w *Writer) unlock() { <-w.sem }

// write sends b with a deadline of timeout; the token must be held.
func (w *Writer) write(b []byte, timeout time.Duration, what string, t Type) error {
	if w.err != nil {
		return w.err
	}
	if w.dl != nil {
		if err := w.dl.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
			w.err = fmt.Errorf("cstp: write %s %s: %w", t, what, err)
			return w.err
		}
	}
	if _, err := w.w.Write(b); err != nil {
		w.err = fmt.Errorf("cstp: write %s %s: %w", t, what, err)
		return w.err
	}
	return nil
}

// WritePacket sends one packet of type t carrying payload.
func (w *Writer) WritePacket(t Type, payload []byte) error {
	w.lock(-1)
	defer w.unlock()
	return w.writePacket(t, payload, w.timeout)
}

func (w *Writer) writePacket(t Type, payload []byte, timeout time.Duration) error {
	b, err := Append(w.buf[:0], t, payload)
	if err != nil {
		return err
	}
	w.buf = b[:0]
	return w.write(b, timeout, "packet", t)
}

// TryWritePacket is WritePacket for control paths that must not stall: it
// gives up with ErrBusy when another write holds the Writer for more than
// wait, and bounds its own write by timeout (<= 0: the Writer's timeout).
func (w *Writer) TryWritePacket(t Type, payload []byte, wait, timeout time.Duration) error {
	if !w.lock(max(wait, 0)) {
		return ErrBusy
	}
	defer w.unlock()
	if timeout <= 0 || timeout > w.timeout {
		timeout = w.timeout
	}
	return w.writePacket(t, payload, timeout)
}

// WriteFrame fills in the header of frame (see Frame) and sends it with one
// Write, without copying the payload.
func (w *Writer) WriteFrame(frame []byte, t Type) error {
	if err := Frame(frame, t); err != nil {
		return err
	}
	w.lock(-1)
	defer w.unlock()
	return w.write(frame, w.timeout, "frame", t)
}

// Err returns the sticky write error, if any, without blocking: nil when
// no write failed or when a write is in progress.
func (w *Writer) Err() error {
	if !w.lock(0) {
		return nil
	}
	defer w.unlock()
	return w.err
}

// WriteData sends an IP packet as a DATA packet.
func (w *Writer) WriteData(ip []byte) error { return w.WritePacket(TypeData, ip) }

// WriteDPDResponse answers a DPD-REQ by echoing its payload with type
// DPD-RESP.
func (w *Writer) WriteDPDResponse(req []byte) error { return w.WritePacket(TypeDPDResp, req) }

// WriteKick sends the server's terminate message (DISCONNECT, empty payload).
func (w *Writer) WriteKick() error { return w.WritePacket(TypeDisconnect, nil) }
