package dtlsx

import (
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"hash"
	"sync/atomic"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/ciphersuite"
	"github.com/pion/dtls/v3/pkg/crypto/clientcertificate"
	"github.com/pion/dtls/v3/pkg/crypto/prf"
	"github.com/pion/dtls/v3/pkg/protocol/recordlayer"
)

// IANA suite numbers used here.
const (
	SuitePSKAES128GCM dtls.CipherSuiteID = 0x00a8
	SuitePSKAES256GCM dtls.CipherSuiteID = 0x00a9
	SuitePSKChaCha20  dtls.CipherSuiteID = 0xccab
	SuiteRSAAES128GCM dtls.CipherSuiteID = 0x009c
	SuiteRSAAES256GCM dtls.CipherSuiteID = 0x009d
	SuitePSKAES128CCM dtls.CipherSuiteID = 0xc0a4
	gcmRecordOverhead                    = 13 + 8 + 16
)

// gcmSuite is an AES-GCM DTLS 1.2 suite pion lacks: PSK-AES256-GCM-SHA384
// for PSK-NEGOTIATE, and RSA-AES{128,256}-GCM for legacy resumption.
//
// The RSA suites are only ever resumed; no key exchange runs. They declare
// an ECDHE key exchange so that a handshake that falls through to a full
// one makes pion generate a key pair and fail cleanly instead of
// dereferencing a nil key pair in its own goroutine (dtls.md §4).
type gcmSuite struct {
	id     dtls.CipherSuiteID
	name   string
	keyLen int
	hash   func() hash.Hash
	psk    bool
	gcm    atomic.Pointer[ciphersuite.GCM]
}

func newGCMSuite(id dtls.CipherSuiteID) *gcmSuite {
	switch id {
	case SuitePSKAES256GCM:
		return &gcmSuite{id: id, name: "TLS_PSK_WITH_AES_256_GCM_SHA384", keyLen: 32, hash: sha512.New384, psk: true}
	case SuiteRSAAES128GCM:
		return &gcmSuite{id: id, name: "TLS_RSA_WITH_AES_128_GCM_SHA256", keyLen: 16, hash: sha256.New}
	case SuiteRSAAES256GCM:
		return &gcmSuite{id: id, name: "TLS_RSA_WITH_AES_256_GCM_SHA384", keyLen: 32, hash: sha512.New384}
	}
	return nil
}

func (c *gcmSuite) String() string             { return c.name }
func (c *gcmSuite) ID() dtls.CipherSuiteID     { return c.id }
func (c *gcmSuite) HashFunc() func() hash.Hash { return c.hash }
func (c *gcmSuite) ECC() bool                  { return false }
func (c *gcmSuite) IsInitialized() bool        { return c.gcm.Load() != nil }

func (c *gcmSuite) CertificateType() clientcertificate.Type {
	if c.psk {
		return clientcertificate.Type(0)
	}
	return clientcertificate.RSASign
}

func (c *gcmSuite) AuthenticationType() dtls.CipherSuiteAuthenticationType {
	if c.psk {
		return dtls.CipherSuiteAuthenticationTypePreSharedKey
	}
	return dtls.CipherSuiteAuthenticationTypeCertificate
}

func (c *gcmSuite) KeyExchangeAlgorithm() dtls.CipherSuiteKeyExchangeAlgorithm {
	if c.psk {
		return dtls.CipherSuiteKeyExchangeAlgorithmPsk
	}
	return dtls.CipherSuiteKeyExchangeAlgorithmEcdhe // see the type comment
}

func (c *gcmSuite) Init(master, clientRandom, serverRandom []byte, isClient bool) error {
	k, err := prf.GenerateEncryptionKeys(master, clientRandom, serverRandom, 0, c.keyLen, 4, c.hash)
	if err != nil {
		return err
	}
	var g *ciphersuite.GCM
	if isClient {
		g, err = ciphersuite.NewGCM(k.ClientWriteKey, k.ClientWriteIV, k.ServerWriteKey, k.ServerWriteIV)
	} else {
		g, err = ciphersuite.NewGCM(k.ServerWriteKey, k.ServerWriteIV, k.ClientWriteKey, k.ClientWriteIV)
	}
	if err != nil {
		return err
	}
	c.gcm.Store(g)
	return nil
}

func (c *gcmSuite) Encrypt(pkt *recordlayer.RecordLayer, raw []byte) ([]byte, error) {
	g := c.gcm.Load()
	if g == nil {
		return nil, fmt.Errorf("dtlsx: %s not initialised", c.name)
	}
	return g.Encrypt(pkt, raw)
}

func (c *gcmSuite) Decrypt(h recordlayer.Header, in []byte) ([]byte, error) {
	g := c.gcm.Load()
	if g == nil {
		return nil, fmt.Errorf("dtlsx: %s not initialised", c.name)
	}
	return g.Decrypt(h, in)
}

// suiteInfo names a negotiated DTLS 1.2 suite the GnuTLS way and gives its
// record overhead.
func suiteInfo(id dtls.CipherSuiteID) (kx, cipher string, overhead int) {
	switch id {
	case SuitePSKAES256GCM:
		return "PSK", "AES-256-GCM", gcmRecordOverhead
	case SuitePSKAES128GCM:
		return "PSK", "AES-128-GCM", gcmRecordOverhead
	case SuitePSKChaCha20:
		return "PSK", "CHACHA20-POLY1305", 13 + 16
	case SuitePSKAES128CCM:
		return "PSK", "AES-128-CCM", 13 + 8 + 16
	case SuiteRSAAES128GCM:
		return "RSA", "AES-128-GCM", gcmRecordOverhead
	case SuiteRSAAES256GCM:
		return "RSA", "AES-256-GCM", gcmRecordOverhead
	}
	return "UNKNOWN", "UNKNOWN", gcmRecordOverhead
}

// SuiteID is a DTLS cipher suite number (pion's type, re-exported so that
// callers need not import pion).
type SuiteID = dtls.CipherSuiteID
