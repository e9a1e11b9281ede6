package dtlsx

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/pion/dtls/v3"
)

// FlightInterval is the handshake retransmission start, as ocserv's
// gnutls_dtls_set_timeouts(400, …).
const FlightInterval = 400 * time.Millisecond

// Session is an established pion DTLS 1.2 channel.
type Session struct {
	*dtls.Conn
	pc       *PacketConn
	desc     string
	overhead int
}

// Overhead is the record overhead of the negotiated suite.
func (s *Session) Overhead() int { return s.overhead }

// CipherName is e.g. "(DTLS1.2)-(PSK)-(AES-256-GCM)".
func (s *Session) CipherName() string { return s.desc }

// PacketConn is the replaceable socket under the session.
func (s *Session) PacketConn() *PacketConn { return s.pc }

func newSession(c *dtls.Conn, pc *PacketConn) (*Session, error) {
	st, ok := c.ConnectionState()
	if !ok {
		c.Close()
		return nil, errors.New("dtlsx: no connection state after the handshake")
	}
	kx, cipher, ov := suiteInfo(st.CipherSuiteID)
	return &Session{Conn: c, pc: pc, desc: "(DTLS1.2)-(" + kx + ")-(" + cipher + ")", overhead: ov}, nil
}

// PSKSuites is the order ocserv's GnuTLS prefers for PSK-NEGOTIATE:
// AES-256-GCM, AES-128-GCM, CHACHA20-POLY1305, then AES-128-CCM. pion picks
// the client's first suite it supports; openconnect lists AES-256-GCM
// first. With matchTLS (match-tls-dtls-ciphers) only the suite with the TLS
// session's cipher is offered (tlsCipher as GnuTLS names it, e.g.
// "AES-256-GCM"); none when there is no PSK suite for it.
func PSKSuites(matchTLS bool, tlsCipher string) []dtls.CipherSuiteID {
	all := []dtls.CipherSuiteID{SuitePSKAES256GCM, SuitePSKAES128GCM, SuitePSKChaCha20, SuitePSKAES128CCM}
	if !matchTLS {
		return all
	}
	for _, id := range all {
		if _, c, _ := suiteInfo(id); c == tlsCipher {
			return []dtls.CipherSuiteID{id}
		}
	}
	return nil
}

// PSKConfig parameterises ServerPSK.
type PSKConfig struct {
	PSK              []byte // 32 bytes from EXPORTER-openconnect-psk
	Suites           []dtls.CipherSuiteID
	MTU              int // link MTU minus IP and UDP headers (handshake fragmentation only)
	HandshakeTimeout time.Duration
}

// ServerPSK runs the PSK-NEGOTIATE handshake on pc (whose first read is
// the client's ClientHello) and returns the established session.
func ServerPSK(ctx context.Context, pc *PacketConn, cfg PSKConfig) (*Session, error) {
	if len(cfg.PSK) == 0 || len(cfg.Suites) == 0 {
		return nil, errors.New("dtlsx: PSK mode without key or suites")
	}
	var builtin []dtls.CipherSuiteID
	var custom []dtls.CipherSuite
	for _, id := range cfg.Suites {
		if s := newGCMSuite(id); s != nil {
			custom = append(custom, s)
		} else {
			builtin = append(builtin, id)
		}
	}
	psk := bytes.Clone(cfg.PSK)
	c := &dtls.Config{
		PSK:                     func([]byte) ([]byte, error) { return psk, nil }, // identity "psk" is ignored, as ocserv
		CipherSuites:            append([]dtls.CipherSuiteID{}, builtin...),       // non-nil: no pion defaults
		CustomCipherSuites:      func() []dtls.CipherSuite { return custom },
		InsecureSkipVerifyHello: true, // ocserv sends no HelloVerifyRequest
		ExtendedMasterSecret:    dtls.RequestExtendedMasterSecret,
		FlightInterval:          FlightInterval,
		MTU:                     cfg.MTU,
	}
	return handshake(ctx, pc, cfg.HandshakeTimeout, c)
}

// ResumeConfig parameterises ServerResume.
type ResumeConfig struct {
	SessionID        []byte // the 32-byte X-DTLS-Session-ID
	MasterSecret     []byte // the 48-byte X-DTLS-Master-Secret
	Suite            dtls.CipherSuiteID
	MTU              int
	HandshakeTimeout time.Duration
}

// ServerResume runs legacy DTLS 1.2 resumption: the client resumes a
// session it never had, whose id is SessionID and whose master secret it
// sent in CONNECT. Only that session's suite is offered, EMS is disabled
// (ocserv's %NO_SESSION_HASH) and unknown ids are refused, so pion never
// runs a full handshake with these suites.
func ServerResume(ctx context.Context, pc *PacketConn, cfg ResumeConfig) (*Session, error) {
	suite := newGCMSuite(cfg.Suite)
	if suite == nil || suite.psk {
		return nil, fmt.Errorf("dtlsx: suite %#04x cannot be resumed", uint16(cfg.Suite))
	}
	if len(cfg.MasterSecret) != 48 || len(cfg.SessionID) == 0 {
		return nil, errors.New("dtlsx: resumption needs a 48-byte master secret and a session id")
	}
	cert, err := placeholderCert()
	if err != nil {
		return nil, err
	}
	store := &oneSession{s: dtls.Session{
		ID: bytes.Clone(cfg.SessionID), Secret: bytes.Clone(cfg.MasterSecret), Version: 1,
		CipherSuiteID: cfg.Suite,
	}}
	c := &dtls.Config{
		CipherSuites:            []dtls.CipherSuiteID{}, // only the custom suite below
		CustomCipherSuites:      func() []dtls.CipherSuite { return []dtls.CipherSuite{newGCMSuite(cfg.Suite)} },
		GetCertificate:          func(*dtls.ClientHelloInfo) (*tls.Certificate, error) { return cert, nil },
		SessionStore:            store,
		InsecureSkipVerifyHello: true,
		ExtendedMasterSecret:    dtls.DisableExtendedMasterSecret,
		FlightInterval:          FlightInterval,
		MTU:                     cfg.MTU,
	}
	sess, err := handshake(ctx, pc, cfg.HandshakeTimeout, c)
	if err != nil {
		return nil, err
	}
	// A full handshake (placeholder certificate, fresh session id) must
	// never be accepted: anyone could run one with the id seen on the wire.
	if st, ok := sess.Conn.ConnectionState(); !ok || !bytes.Equal(st.SessionID, cfg.SessionID) {
		sess.Close()
		return nil, errors.New("dtlsx: client did not resume the session")
	}
	return sess, nil
}

// handshake uses pion's Config: its functional options cannot express
// "no built-in suites" (an empty WithCipherSuites is refused).
func handshake(ctx context.Context, pc *PacketConn, timeout time.Duration, cfg *dtls.Config) (*Session, error) {
	c, err := dtls.Server(pc, pc.RemoteAddr(), cfg) //nolint:staticcheck // see above
	if err != nil {
		return nil, fmt.Errorf("dtlsx: %w", err)
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := c.HandshakeContext(hctx); err != nil {
		c.Close()
		return nil, fmt.Errorf("dtlsx: handshake: %w", err)
	}
	return newSession(c, pc)
}

// oneSession is a SessionStore holding exactly the session to resume.
type oneSession struct{ s dtls.Session }

var errUnknownSession = errors.New("dtlsx: unknown session")

func (o *oneSession) Set([]byte, dtls.Session) error { return nil }
func (o *oneSession) Del([]byte) error               { return nil }
func (o *oneSession) Get(id []byte) (dtls.Session, error) {
	if !bytes.Equal(id, o.s.ID) {
		return dtls.Session{}, errUnknownSession
	}
	return o.s, nil
}

var (
	phOnce sync.Once
	phCert *tls.Certificate
	phErr  error
)

// placeholderCert is a throwaway self-signed certificate: pion looks up a
// certificate before it tries resumption, but a resumed handshake never
// sends or uses it. The worker holds no real private key (sec-mod does).
func placeholderCert() (*tls.Certificate, error) {
	phOnce.Do(func() {
		// RSA: pion keeps only the suites whose certificate type matches.
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			phErr = err
			return
		}
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1),
			Subject:      pkix.Name{CommonName: "ocserv-go dtls resumption placeholder"},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(100 * 365 * 24 * time.Hour),
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			phErr = err
			return
		}
		phCert = &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
	})
	return phCert, phErr
}
