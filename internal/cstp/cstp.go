package cstp

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderLen is the size of the CSTP header that precedes every payload.
const HeaderLen = 8

// MaxPayload is the largest payload the 16-bit length field can describe.
const MaxPayload = 0xFFFF

// Type is the CSTP packet type (byte 6 of the header).
type Type uint8

// Packet types (ocserv's AC_PKT_* in src/vpn.h).
const (
	TypeData       Type = 0x00 // one raw IPv4/IPv6 packet
	TypeDPDReq     Type = 0x03 // dead-peer-detection request (AC_PKT_DPD_OUT)
	TypeDPDResp    Type = 0x04 // dead-peer-detection response (AC_PKT_DPD_RESP)
	TypeDisconnect Type = 0x05 // client bye, or the server's kick (empty payload)
	TypeKeepalive  Type = 0x07 // client keepalive, ignored by the server
	TypeCompressed Type = 0x08 // compressed IP packet (oc-lz4 or lzs)
	TypeTerminate  Type = 0x09 // AC_PKT_TERM_SERVER; ocserv never sends it
)

// String returns the ocserv-style name of the type.
func (t Type) String() string {
	switch t {
	case TypeData:
		return "DATA"
	case TypeDPDReq:
		return "DPD-REQ"
	case TypeDPDResp:
		return "DPD-RESP"
	case TypeDisconnect:
		return "DISCONNECT"
	case TypeKeepalive:
		return "KEEPALIVE"
	case TypeCompressed:
		return "COMPRESSED"
	case TypeTerminate:
		return "TERMINATE"
	}
	return fmt.Sprintf("UNKNOWN(0x%02x)", uint8(t))
}

// Errors returned by the parsers. They are wrapped with context; test with
// errors.Is.
var (
	ErrShortHeader = errors.New("cstp: short header")
	ErrBadMagic    = errors.New("cstp: bad header magic")
	ErrTooLong     = errors.New("cstp: payload length exceeds limit")
	ErrLength      = errors.New("cstp: record length does not match header")
)

// Packet is one decoded CSTP packet. Payload aliases the buffer it was
// parsed from (for a Reader: valid until the next call to Next).
type Packet struct {
	Type    Type
	Payload []byte
}

// PutHeader writes the 8-byte header for a payload of n bytes into
// b[:HeaderLen]. It panics if b is shorter than HeaderLen; it returns
// ErrTooLong if n does not fit in 16 bits.
func PutHeader(b []byte, t Type, n int) error {
	if n < 0 || n > MaxPayload {
		return fmt.Errorf("put header for %d bytes: %w", n, ErrTooLong)
	}
	_ = b[HeaderLen-1]
	b[0], b[1], b[2], b[3] = 'S', 'T', 'F', 0x01
	binary.BigEndian.PutUint16(b[4:6], uint16(n))
	b[6] = byte(t)
	b[7] = 0
	return nil
}

// Frame fills in the header of frame, whose first HeaderLen bytes are
// reserved for it and whose remaining bytes are the payload. It lets a
// caller read a tun packet straight into frame[HeaderLen:] and send the
// whole slice with one Write, without copying.
func Frame(frame []byte, t Type) error {
	if len(frame) < HeaderLen {
		return fmt.Errorf("frame of %d bytes: %w", len(frame), ErrShortHeader)
	}
	return PutHeader(frame, t, len(frame)-HeaderLen)
}

// Append appends the encoded packet (header and payload) to dst.
func Append(dst []byte, t Type, payload []byte) ([]byte, error) {
	if len(payload) > MaxPayload {
		return dst, fmt.Errorf("append %s packet of %d bytes: %w", t, len(payload), ErrTooLong)
	}
	var h [HeaderLen]byte
	_ = PutHeader(h[:], t, len(payload))
	dst = append(dst, h[:]...)
	return append(dst, payload...), nil
}

// ParseHeader validates an 8-byte header and returns its type and payload
// length. maxPayload bounds the accepted length (<= 0 means MaxPayload).
func ParseHeader(h []byte, maxPayload int) (Type, int, error) {
	if len(h) < HeaderLen {
		return 0, 0, fmt.Errorf("header of %d bytes: %w", len(h), ErrShortHeader)
	}
	if h[0] != 'S' || h[1] != 'T' || h[2] != 'F' || h[3] != 0x01 || h[7] != 0 {
		return 0, 0, fmt.Errorf("header % x: %w", h[:HeaderLen], ErrBadMagic)
	}
	n := int(binary.BigEndian.Uint16(h[4:6]))
	if maxPayload <= 0 {
		maxPayload = MaxPayload
	}
	if n > maxPayload {
		return 0, 0, fmt.Errorf("length %d > %d: %w", n, maxPayload, ErrTooLong)
	}
	return Type(h[6]), n, nil
}

// ParseRecord decodes a buffer that must hold exactly one packet, as ocserv
// does for every TLS record it receives (record length == 8 + length).
// The returned payload aliases rec.
func ParseRecord(rec []byte, maxPayload int) (Packet, error) {
	t, n, err := ParseHeader(rec, maxPayload)
	if err != nil {
		return Packet{}, err
	}
	if len(rec) != HeaderLen+n {
		return Packet{}, fmt.Errorf("record of %d bytes, header says %d: %w", len(rec), HeaderLen+n, ErrLength)
	}
	return Packet{Type: t, Payload: rec[HeaderLen:]}, nil
}
