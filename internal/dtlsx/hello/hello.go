// Package hello reads the routing information out of the first datagram of
// a DTLS flow (protocol.md §6.7): whether it is a ClientHello and which
// 32-byte session it names, either in the ClientHello session_id field or
// in openconnect 7.x's private extension 48018.
//
// It runs in main on untrusted datagrams straight from the UDP listener:
// it never allocates, never panics on any input and only reads b.
package hello

// ExtAppID is the private ClientHello extension openconnect 7.x used for
// the App-ID (its data is a 1-byte length and the id).
const ExtAppID = 48018

const (
	recordHeader   = 13
	handshakeHdr   = 12
	sessionIDLenAt = recordHeader + handshakeHdr + 2 + 32 // 59
	minHello       = recordHeader + 46 + 32 + 2           // 93, as ocserv
)

// IsHandshake reports whether b looks like a DTLS handshake record of a
// version ocserv accepts: content type 22 and either a DTLS 1.x record
// version (byte 1 = 254) or DTLS1_BAD_VER (01 00).
func IsHandshake(b []byte) bool {
	if len(b) < recordHeader || b[0] != 22 {
		return false
	}
	return VersionOK(b)
}

// VersionOK is ocserv's loose record version check.
func VersionOK(b []byte) bool {
	if len(b) < 3 {
		return false
	}
	return b[1] == 254 || (b[1] == 1 && b[2] == 0)
}

// ZeroRandom reports whether the ClientHello random (bytes 27–58) is all
// zeros, which broken GnuTLS 3.6.3–3.6.12 clients send; b must hold at
// least 59 bytes, shorter input reports false.
func ZeroRandom(b []byte) bool {
	if len(b) < sessionIDLenAt {
		return false
	}
	for _, c := range b[27:sessionIDLenAt] {
		if c != 0 {
			return false
		}
	}
	return true
}

// SessionID returns the session identifier a DTLS ClientHello datagram
// names. With useExt (dtls-psk on) the 48018 extension is looked for
// first; otherwise, or when it is absent or malformed, the session_id
// field is used. The returned slice aliases b. ok is false when b is too
// short or the field lengths run past its end.
func SessionID(b []byte, useExt bool) (id []byte, ok bool) {
	if len(b) < minHello || !IsHandshake(b) {
		return nil, false
	}
	if useExt {
		if id, ok := extAppID(b); ok {
			return id, true
		}
	}
	n := int(b[sessionIDLenAt])
	start := sessionIDLenAt + 1
	if n == 0 || n > 32 || start+n > len(b) {
		return nil, false
	}
	return b[start : start+n], true
}

// extAppID walks the ClientHello to extension 48018.
func extAppID(b []byte) ([]byte, bool) {
	p := sessionIDLenAt
	skip8 := func() bool {
		if p >= len(b) {
			return false
		}
		p += 1 + int(b[p])
		return p <= len(b)
	}
	skip16 := func() bool {
		if p+2 > len(b) {
			return false
		}
		p += 2 + (int(b[p])<<8 | int(b[p+1]))
		return p <= len(b)
	}
	if !skip8() || !skip8() || !skip16() || !skip8() { // session_id, cookie, suites, compression
		return nil, false
	}
	if p+2 > len(b) {
		return nil, false
	}
	end := p + 2 + (int(b[p])<<8 | int(b[p+1]))
	p += 2
	if end > len(b) {
		end = len(b)
	}
	for i := 0; p+4 <= end && i < 1024; i++ {
		typ := int(b[p])<<8 | int(b[p+1])
		l := int(b[p+2])<<8 | int(b[p+3])
		p += 4
		if p+l > end {
			return nil, false
		}
		if typ == ExtAppID {
			if l < 1 {
				return nil, false
			}
			n := int(b[p])
			if n == 0 || 1+n > l {
				return nil, false
			}
			return b[p+1 : p+1+n], true
		}
		p += l
	}
	return nil, false
}
