package dtls09

import (
	"errors"
	"fmt"
)

// Handshake message types and the one extension we answer.
const (
	hsHeaderLen     = 12 // type(1) length(3) message_seq(2) fragment_offset(3) fragment_length(3)
	hsClientHello   = 1
	hsServerHello   = 2
	hsFinished      = 20
	extRecordSizeLm = 0x001c // record_size_limit, RFC 8449
	randomLen       = 32
	maxSessionID    = 32
)

var errHello = errors.New("dtls09: bad ClientHello")

// handshakeMsg is one unfragmented handshake message.
type handshakeMsg struct {
	typ    uint8
	msgSeq uint16
	body   []byte
}

// parseHandshake reads one handshake message from a record body. Fragments
// are refused: every message of this handshake fits one datagram.
func parseHandshake(b []byte) (handshakeMsg, error) {
	if len(b) < hsHeaderLen {
		return handshakeMsg{}, errors.New("dtls09: truncated handshake header")
	}
	n := u24(b[1:])
	off, flen := u24(b[6:]), u24(b[9:])
	if off != 0 || flen != n {
		return handshakeMsg{}, fmt.Errorf("dtls09: fragmented handshake message (offset %d, %d of %d bytes)", off, flen, n)
	}
	if len(b)-hsHeaderLen < n {
		return handshakeMsg{}, fmt.Errorf("dtls09: handshake message of %d bytes in %d", n, len(b)-hsHeaderLen)
	}
	return handshakeMsg{typ: b[0], msgSeq: uint16(b[4])<<8 | uint16(b[5]), body: b[hsHeaderLen : hsHeaderLen+n]}, nil
}

func u24(b []byte) int { return int(b[0])<<16 | int(b[1])<<8 | int(b[2]) }

// appendHandshake appends a handshake message (header and body) to dst.
func appendHandshake(dst []byte, typ uint8, msgSeq uint16, body []byte) []byte {
	n := len(body)
	dst = append(dst, typ, byte(n>>16), byte(n>>8), byte(n),
		byte(msgSeq>>8), byte(msgSeq),
		0, 0, 0,
		byte(n>>16), byte(n>>8), byte(n))
	return append(dst, body...)
}

// clientHello holds what the server needs from a ClientHello body.
type clientHello struct {
	random          []byte
	sessionID       []byte
	suites          []Suite
	nullCompression bool
	recordSizeLimit bool
}

// parseClientHello parses a DTLS 0.9 ClientHello body (after the handshake
// header): version 0x0100, random, session_id, cookie, suites, compression
// methods and optional extensions.
func parseClientHello(b []byte) (*clientHello, error) {
	r := reader{b: b}
	ver, ok := r.u16()
	if !ok {
		return nil, fmt.Errorf("%w: truncated version", errHello)
	}
	if ver != 0x0100 {
		return nil, fmt.Errorf("%w: version %04x, want 0100", errHello, ver)
	}
	ch := &clientHello{}
	if ch.random, ok = r.bytes(randomLen); !ok {
		return nil, fmt.Errorf("%w: truncated random", errHello)
	}
	if ch.sessionID, ok = r.vec8(); !ok || len(ch.sessionID) > maxSessionID {
		return nil, fmt.Errorf("%w: session_id", errHello)
	}
	if cookie, ok := r.vec8(); !ok || len(cookie) > 32 {
		return nil, fmt.Errorf("%w: cookie", errHello)
	}
	cs, ok := r.vec16()
	if !ok || len(cs) < 2 || len(cs)%2 != 0 {
		return nil, fmt.Errorf("%w: cipher_suites", errHello)
	}
	for i := 0; i < len(cs); i += 2 {
		ch.suites = append(ch.suites, Suite(uint16(cs[i])<<8|uint16(cs[i+1])))
	}
	comp, ok := r.vec8()
	if !ok || len(comp) == 0 {
		return nil, fmt.Errorf("%w: compression_methods", errHello)
	}
	for _, c := range comp {
		ch.nullCompression = ch.nullCompression || c == 0
	}
	if len(r.b) == 0 {
		return ch, nil
	}
	exts, ok := r.vec16()
	if !ok || len(r.b) != 0 {
		return nil, fmt.Errorf("%w: extensions", errHello)
	}
	er := reader{b: exts}
	for len(er.b) > 0 {
		typ, ok1 := er.u16()
		_, ok2 := er.vec16()
		if !ok1 || !ok2 {
			return nil, fmt.Errorf("%w: extension list", errHello)
		}
		if typ == extRecordSizeLm {
			ch.recordSizeLimit = true
		}
	}
	return ch, nil
}

// serverHelloBody builds the ServerHello body of the resumed session:
// version 0x0100, random, the client's session id, the suite, null
// compression, and record_size_limit(16384) only if the client sent it.
func serverHelloBody(random, sessionID []byte, s Suite, recordSizeLimit bool) []byte {
	b := make([]byte, 0, 2+randomLen+1+len(sessionID)+3+10)
	b = append(b, verMajor, verMinor)
	b = append(b, random...)
	b = append(b, byte(len(sessionID)))
	b = append(b, sessionID...)
	b = append(b, byte(s>>8), byte(s), 0)
	if recordSizeLimit {
		b = append(b, 0, 6, byte(extRecordSizeLm>>8), byte(extRecordSizeLm&0xff), 0, 2, 0x40, 0x00)
	}
	return b
}

// reader is a bounds-checked cursor over a message.
type reader struct{ b []byte }

func (r *reader) bytes(n int) ([]byte, bool) {
	if n < 0 || len(r.b) < n {
		return nil, false
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v, true
}

func (r *reader) u16() (uint16, bool) {
	v, ok := r.bytes(2)
	if !ok {
		return 0, false
	}
	return uint16(v[0])<<8 | uint16(v[1]), true
}

func (r *reader) vec8() ([]byte, bool) {
	n, ok := r.bytes(1)
	if !ok {
		return nil, false
	}
	return r.bytes(int(n[0]))
}

func (r *reader) vec16() ([]byte, bool) {
	n, ok := r.u16()
	if !ok {
		return nil, false
	}
	return r.bytes(int(n))
}
