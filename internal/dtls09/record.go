package dtls09

import (
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/bits"
)

// Record layer constants.
const (
	headerLen = 13 // type(1) version(2) epoch(2) seq(6) length(2)
	macLen    = sha1.Size
	maxSeq    = 1<<48 - 1
	// maxPlain is the largest record payload (2^14, as in TLS).
	maxPlain = 1 << 14

	typeCCS       = 20
	typeAlert     = 21
	typeHandshake = 22
	typeAppData   = 23

	verMajor, verMinor = 0x01, 0x00
)

var (
	errShortRecord = errors.New("dtls09: truncated record")
	errVersion     = errors.New("dtls09: record version is not 0x0100")
)

// record is one parsed record; body aliases the datagram.
type record struct {
	typ   uint8
	epoch uint16
	seq   uint64
	body  []byte
}

// parseRecord splits the first record off a datagram and returns the rest.
func parseRecord(b []byte) (record, []byte, error) {
	if len(b) < headerLen {
		return record{}, nil, errShortRecord
	}
	if b[1] != verMajor || b[2] != verMinor {
		return record{}, nil, fmt.Errorf("%w: %02x%02x", errVersion, b[1], b[2])
	}
	n := int(b[11])<<8 | int(b[12])
	if len(b)-headerLen < n {
		return record{}, nil, fmt.Errorf("%w: length %d, %d bytes left", errShortRecord, n, len(b)-headerLen)
	}
	r := record{
		typ:   b[0],
		epoch: uint16(b[3])<<8 | uint16(b[4]),
		seq:   uint64(b[5])<<40 | uint64(b[6])<<32 | uint64(b[7])<<24 | uint64(b[8])<<16 | uint64(b[9])<<8 | uint64(b[10]),
		body:  b[headerLen : headerLen+n],
	}
	return r, b[headerLen+n:], nil
}

// putHeader writes a record header into h[:13].
func putHeader(h []byte, typ uint8, epoch uint16, seq uint64, n int) {
	h[0] = typ
	h[1], h[2] = verMajor, verMinor
	h[3], h[4] = byte(epoch>>8), byte(epoch)
	for i := 0; i < 6; i++ {
		h[5+i] = byte(seq >> (40 - 8*i))
	}
	h[11], h[12] = byte(n>>8), byte(n)
}

// plainRecord appends an unprotected (epoch 0) record to dst.
func plainRecord(dst []byte, typ uint8, seq uint64, body []byte) []byte {
	var h [headerLen]byte
	putHeader(h[:], typ, 0, seq, len(body))
	return append(append(dst, h[:]...), body...)
}

// ivSetter is implemented by crypto/cipher's CBC modes; it lets one mode
// serve every record without allocating.
type ivSetter interface{ SetIV([]byte) }

// cipherState protects the records of one direction in epoch 1.
type cipherState struct {
	block cipher.Block
	bs    int
	enc   bool
	mode  cipher.BlockMode
	mac   hash.Hash
	epoch uint16
	seq   uint64          // next sequence number to send (write side only)
	pseud [headerLen]byte // MAC pseudo-header: epoch seq type version length
	sum   [macLen]byte
	zero  [32]byte
}

func newCipherState(s Suite, key, macKey []byte, encrypt bool) (*cipherState, error) {
	in, ok := suites[s]
	if !ok {
		return nil, fmt.Errorf("dtls09: unsupported suite %v", s)
	}
	b, err := in.newBlock(key)
	if err != nil {
		return nil, fmt.Errorf("dtls09: %v key: %w", s, err)
	}
	cs := &cipherState{block: b, bs: b.BlockSize(), enc: encrypt, mac: hmac.New(sha1.New, macKey), epoch: 1}
	iv := cs.zero[:cs.bs]
	if encrypt {
		cs.mode = cipher.NewCBCEncrypter(b, iv)
	} else {
		cs.mode = cipher.NewCBCDecrypter(b, iv)
	}
	return cs, nil
}

// setIV points the CBC mode at iv.
func (cs *cipherState) setIV(iv []byte) {
	if s, ok := cs.mode.(ivSetter); ok {
		s.SetIV(iv)
		return
	}
	if cs.enc {
		cs.mode = cipher.NewCBCEncrypter(cs.block, iv)
	} else {
		cs.mode = cipher.NewCBCDecrypter(cs.block, iv)
	}
}

// computeMAC writes HMAC-SHA1(epoch‖seq‖type‖0x0100‖len‖data) to cs.sum,
// then feeds extra through the hash so that the work done does not depend
// on how the record was split into data and padding.
func (cs *cipherState) computeMAC(typ uint8, epoch uint16, seq uint64, data, extra []byte) []byte {
	p := cs.pseud[:]
	p[0], p[1] = byte(epoch>>8), byte(epoch)
	for i := 0; i < 6; i++ {
		p[2+i] = byte(seq >> (40 - 8*i))
	}
	p[8] = typ
	p[9], p[10] = verMajor, verMinor
	p[11], p[12] = byte(len(data)>>8), byte(len(data))
	cs.mac.Reset()
	cs.mac.Write(p)
	cs.mac.Write(data)
	out := cs.mac.Sum(cs.sum[:0])
	if len(extra) > 0 {
		cs.mac.Write(extra)
	}
	return out
}

// sealedLen is the size of the record that protects n payload bytes.
func (cs *cipherState) sealedLen(n int) int {
	return headerLen + cs.bs + (n+macLen+1+cs.bs-1)/cs.bs*cs.bs
}

// seal appends a protected record of type typ carrying payload to dst, with
// an IV read from rnd, and advances the sequence number.
func (cs *cipherState) seal(dst []byte, typ uint8, payload []byte, rnd io.Reader) ([]byte, error) {
	if cs.seq > maxSeq {
		return dst, errors.New("dtls09: record sequence numbers exhausted")
	}
	total := cs.sealedLen(len(payload))
	start := len(dst)
	if cap(dst)-start < total {
		nd := make([]byte, start, start+total)
		copy(nd, dst)
		dst = nd
	}
	out := dst[start : start+total]
	putHeader(out, typ, cs.epoch, cs.seq, total-headerLen)
	iv := out[headerLen : headerLen+cs.bs]
	if _, err := io.ReadFull(rnd, iv); err != nil {
		return dst, fmt.Errorf("dtls09: record IV: %w", err)
	}
	body := out[headerLen+cs.bs:]
	n := copy(body, payload)
	n += copy(body[n:], cs.computeMAC(typ, cs.epoch, cs.seq, payload, nil))
	pad := byte(len(body) - n - 1)
	for i := n; i < len(body); i++ {
		body[i] = pad
	}
	cs.setIV(iv)
	cs.mode.CryptBlocks(body, body)
	cs.seq++
	return dst[:start+total], nil
}

// open decrypts r.body in place and checks its padding and MAC. It returns
// the payload and true, or false for any record that is not authentic. The
// checks after decryption do not branch on the decrypted bytes: a bad
// padding costs the same MAC computation as a good one (Lucky13).
func (cs *cipherState) open(r record) ([]byte, bool) {
	body := r.body
	minLen := cs.bs + (macLen+1+cs.bs-1)/cs.bs*cs.bs
	if len(body) < minLen || (len(body)-cs.bs)%cs.bs != 0 {
		return nil, false // the length is public
	}
	iv, ct := body[:cs.bs], body[cs.bs:]
	cs.setIV(iv)
	cs.mode.CryptBlocks(ct, ct)

	strip, good := checkPadding(ct)
	n := len(ct) - strip - macLen
	neg := int(uint(n) >> (bits.UintSize - 1))
	n = subtle.ConstantTimeSelect(neg, 0, n)
	good &= 1 ^ neg
	want := cs.computeMAC(r.typ, r.epoch, r.seq, ct[:n], ct[n+macLen:])
	good &= subtle.ConstantTimeCompare(want, ct[n:n+macLen])
	return ct[:n], good == 1
}

// checkPadding validates TLS padding at the end of p (len(p) > 0) in time
// that depends only on len(p). It returns how many bytes to strip (pad
// bytes plus the length byte, or 0 if invalid) and 1 if valid, else 0.
func checkPadding(p []byte) (strip, good int) {
	n := len(p)
	padLen := int(p[n-1])
	good = subtle.ConstantTimeLessOrEq(padLen+1, n)
	limit := n
	if limit > 256 {
		limit = 256
	}
	for i := 1; i <= limit; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, padLen+1)
		same := subtle.ConstantTimeByteEq(p[n-i], uint8(padLen))
		good &= 1 ^ (inPad & (1 ^ same))
	}
	return subtle.ConstantTimeSelect(good, padLen+1, 0), good
}
