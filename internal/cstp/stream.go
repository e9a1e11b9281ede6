package cstp

import (
	"errors"
	"fmt"
	"io"
	"sync"
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

// Writer emits CSTP packets, one Write call per packet, so that on a
// tls.Conn every packet is its own TLS record as openconnect expects. A
// Writer is safe for concurrent use: packets are never interleaved.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	buf []byte
}

// NewWriter returns a Writer on w.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: w, buf: make([]byte, 0, HeaderLen+1500)}
}

// WritePacket sends one packet of type t carrying payload.
func (w *Writer) WritePacket(t Type, payload []byte) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	b, err := Append(w.buf[:0], t, payload)
	if err != nil {
		return err
	}
	w.buf = b[:0]
	if _, err := w.w.Write(b); err != nil {
		return fmt.Errorf("cstp: write %s packet: %w", t, err)
	}
	return nil
}

// WriteFrame fills in the header of frame (see Frame) and sends it with one
// Write, without copying the payload.
func (w *Writer) WriteFrame(frame []byte, t Type) error {
	if err := Frame(frame, t); err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.w.Write(frame); err != nil {
		return fmt.Errorf("cstp: write %s frame: %w", t, err)
	}
	return nil
}

// WriteData sends an IP packet as a DATA packet.
func (w *Writer) WriteData(ip []byte) error { return w.WritePacket(TypeData, ip) }

// WriteDPDResponse answers a DPD-REQ by echoing its payload with type
// DPD-RESP.
func (w *Writer) WriteDPDResponse(req []byte) error { return w.WritePacket(TypeDPDResp, req) }

// WriteKick sends the server's terminate message (DISCONNECT, empty payload).
func (w *Writer) WriteKick() error { return w.WritePacket(TypeDisconnect, nil) }
