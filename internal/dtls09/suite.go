package dtls09

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"fmt"
)

// Suite is a TLS cipher suite number usable with DTLS 0.9.
type Suite uint16

// The three suites ocserv offers for DTLS 0.9 (protocol.md §6.6).
const (
	AES128SHA  Suite = 0x002F // TLS_RSA_WITH_AES_128_CBC_SHA
	AES256SHA  Suite = 0x0035 // TLS_RSA_WITH_AES_256_CBC_SHA
	DESCBC3SHA Suite = 0x000A // TLS_RSA_WITH_3DES_EDE_CBC_SHA
)

type suiteInfo struct {
	name     string // OpenSSL name, as in X-DTLS-CipherSuite
	gnutls   string // cipher part of GnuTLS's session description
	keyLen   int
	blockLen int
	newBlock func(key []byte) (cipher.Block, error)
}

var suites = map[Suite]suiteInfo{
	AES128SHA:  {"AES128-SHA", "AES-128-CBC", 16, aes.BlockSize, aes.NewCipher},
	AES256SHA:  {"AES256-SHA", "AES-256-CBC", 32, aes.BlockSize, aes.NewCipher},
	DESCBC3SHA: {"DES-CBC3-SHA", "3DES-CBC", 24, des.BlockSize, des.NewTripleDESCipher},
}

// SuiteByName maps an X-DTLS-CipherSuite name to its suite.
func SuiteByName(name string) (Suite, bool) {
	for s, in := range suites {
		if in.name == name {
			return s, true
		}
	}
	return 0, false
}

// String returns the OpenSSL name ("AES128-SHA"), or a hex number.
func (s Suite) String() string {
	if in, ok := suites[s]; ok {
		return in.name
	}
	return fmt.Sprintf("0x%04X", uint16(s))
}

// CipherName is the description GnuTLS gives a session of this suite, which
// ocserv reports to occtl ("(DTLS0.9)-(RSA)-(AES-128-CBC)-(SHA1)").
func (s Suite) CipherName() string {
	in, ok := suites[s]
	if !ok {
		return ""
	}
	return "(DTLS0.9)-(RSA)-(" + in.gnutls + ")-(SHA1)"
}

// Overhead is GnuTLS's worst-case record expansion for the suite, the
// number ocserv subtracts in its MTU arithmetic: the 13-byte header, the
// explicit IV, the MAC and a full block of padding (65 for AES, 49 for
// 3DES; both match X-DTLS-MTU of the real ocserv).
func (s Suite) Overhead() int {
	in, ok := suites[s]
	if !ok {
		return 0
	}
	return headerLen + in.blockLen + macLen + in.blockLen
}
