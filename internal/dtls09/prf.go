package dtls09

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"hash"
)

// pHash fills out with P_hash(secret, seed) of RFC 2246 §5.
func pHash(out, secret, seed []byte, h func() hash.Hash) {
	m := hmac.New(h, secret)
	m.Write(seed)
	a := m.Sum(nil) // A(1)
	var block []byte
	for len(out) > 0 {
		m.Reset()
		m.Write(a)
		m.Write(seed)
		block = m.Sum(block[:0])
		out = out[copy(out, block):]
		m.Reset()
		m.Write(a)
		a = m.Sum(a[:0])
	}
}

// prf10 fills out with the TLS 1.0/1.1 PRF: P_MD5 over the first half of
// the secret XOR P_SHA1 over the second half (the halves share the middle
// byte when the length is odd).
func prf10(out, secret []byte, label string, seed []byte) {
	ls := make([]byte, 0, len(label)+len(seed))
	ls = append(append(ls, label...), seed...)
	half := (len(secret) + 1) / 2
	pHash(out, secret[:half], ls, md5.New)
	tmp := make([]byte, len(out))
	pHash(tmp, secret[len(secret)-half:], ls, sha1.New)
	for i := range out {
		out[i] ^= tmp[i]
	}
}

// keys is the key block of one session, split.
type keys struct {
	clientMAC, serverMAC []byte
	clientKey, serverKey []byte
}

// deriveKeys expands the master secret: PRF(master, "key expansion",
// server_random‖client_random) gives the client and server MAC keys, then
// the client and server cipher keys. TLS 1.1-style explicit IVs need no IV
// material.
func deriveKeys(master, clientRandom, serverRandom []byte, s Suite) keys {
	kl := suites[s].keyLen
	block := make([]byte, 2*macLen+2*kl)
	seed := append(append([]byte{}, serverRandom...), clientRandom...)
	prf10(block, master, "key expansion", seed)
	return keys{
		clientMAC: block[:macLen],
		serverMAC: block[macLen : 2*macLen],
		clientKey: block[2*macLen : 2*macLen+kl],
		serverKey: block[2*macLen+kl:],
	}
}

// verifyLen is the length of Finished's verify_data.
const verifyLen = 12

// transcript is the handshake hash: MD5 and SHA-1 over the handshake
// message bodies, without the DTLS handshake headers.
type transcript struct{ md5, sha1 hash.Hash }

func newTranscript() *transcript { return &transcript{md5.New(), sha1.New()} }

func (t *transcript) add(body []byte) {
	t.md5.Write(body)
	t.sha1.Write(body)
}

// finished computes verify_data = PRF(master, label, MD5(hs)‖SHA1(hs))[:12]
// for the messages added so far.
func (t *transcript) finished(master []byte, label string) []byte {
	seed := t.sha1.Sum(t.md5.Sum(nil))
	out := make([]byte, verifyLen)
	prf10(out, master, label, seed)
	return out
}
