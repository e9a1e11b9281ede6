package worker

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/signer"
	"github.com/ocserv-go/ocserv/internal/tlsprio"
)

// tlsKeys holds the TLS configuration of every vhost.
type tlsKeys struct {
	base   *tls.Config
	vhosts map[string]*vhostTLS // by vhost name
	// lastSig records the signature scheme of the handshake (for the
	// GnuTLS-style cipher description); one connection per process.
	lastSig atomic.Value // string
}

type vhostTLS struct {
	conf     *tls.Config
	leafSHA1 string // uppercase hex SHA-1 of the first certificate (webvpnc sh:)
	leafDER  []byte
	issuer   []byte // DER of the leaf's issuer if the chain carries it
	prio     tlsprio.Settings
}

// newTLSKeys builds one tls.Config per vhost: certificate chains from the
// start-up message with sec-mod-backed private keys, the tls-priorities
// translation, and client-certificate requests only when the certificate
// method is enabled.
func newTLSKeys(w *worker, cfg *config.Config) (*tlsKeys, error) {
	k := &tlsKeys{vhosts: map[string]*vhostTLS{}}
	for _, v := range cfg.Vhosts {
		vt := &vhostTLS{conf: &tls.Config{
			DynamicRecordSizingDisabled: true,
			SessionTicketsDisabled:      true,
		}}
		for _, ch := range w.st.GetCertChains() {
			if ch.GetVhost() != v.Name || len(ch.GetDer()) == 0 {
				continue
			}
			leaf, err := x509.ParseCertificate(ch.GetDer()[0])
			if err != nil {
				return nil, fmt.Errorf("worker: vhost %s certificate %d: %w", v.Name, ch.GetKeyIdx(), err)
			}
			if leaf.PublicKey == nil {
				// crypto/x509 knows no such key (RSA-PSS among them); main
				// refuses those at start-up (keys.ErrRSAPSS).
				return nil, fmt.Errorf("worker: vhost %s certificate %d: its public key algorithm cannot be served (RSA-PSS certificates are not supported)", v.Name, ch.GetKeyIdx())
			}
			s, err := signer.New(signer.Config{SocketPath: w.st.GetSecmodPath(), Vhost: v.Name,
				KeyIndex: int(ch.GetKeyIdx()), Public: leaf.PublicKey})
			if err != nil {
				return nil, fmt.Errorf("worker: vhost %s key %d: %w", v.Name, ch.GetKeyIdx(), err)
			}
			vt.conf.Certificates = append(vt.conf.Certificates, tls.Certificate{
				Certificate: ch.GetDer(), PrivateKey: wrapSigner(s, k), Leaf: leaf})
			if vt.leafDER == nil {
				vt.leafDER = ch.GetDer()[0]
				h := sha1.Sum(vt.leafDER)
				vt.leafSHA1 = strings.ToUpper(hex.EncodeToString(h[:]))
				for _, c := range ch.GetDer()[1:] {
					if ic, err := x509.ParseCertificate(c); err == nil && string(ic.RawSubject) == string(leaf.RawIssuer) {
						vt.issuer = c
						break
					}
				}
			}
		}
		if len(vt.conf.Certificates) == 0 {
			return nil, fmt.Errorf("worker: vhost %s: no server certificate in the start-up message", v.Name)
		}
		set, warns, err := tlsprio.Parse(v.TLSPriorities)
		if err != nil {
			return nil, fmt.Errorf("worker: vhost %s: tls-priorities: %w", v.Name, err)
		}
		for _, wn := range warns {
			w.log.Debugf("vhost %s: tls-priorities: %s", v.Name, wn)
		}
		set.Apply(vt.conf)
		vt.prio = set
		if v.CertRequest == config.CertRequested || v.CertRequest == config.CertRequired {
			// Verified in VerifyConnection (certauth.go), as ocserv's
			// verify callback: a missing or bad certificate can end
			// the handshake there.
			vt.conf.ClientAuth = tls.RequestClientCert
			vt.conf.VerifyConnection = func(cs tls.ConnectionState) error { return w.verifyConnection(cs, v) }
		}
		k.vhosts[v.Name] = vt
	}
	def := k.vhosts[cfg.Default().Name]
	k.base = def.conf.Clone()
	k.base.GetConfigForClient = func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		v := cfg.FindVhost(hello.ServerName)
		w.vhost = v
		w.relog()
		if vt := k.vhosts[v.Name]; vt != nil {
			return vt.forHello(hello), nil
		}
		return def.forHello(hello), nil
	}
	return k, nil
}

// forHello returns the vhost's configuration narrowed to the cipher suite
// and group GnuTLS would pick for this ClientHello (tlsprio.Preferred):
// crypto/tls orders TLS 1.0-1.2 suites and groups by its own preference,
// so the only way to get GnuTLS's (%SERVER_PRECEDENCE) choice is to leave
// crypto/tls a single candidate. TLS 1.3 suites cannot be narrowed.
func (vt *vhostTLS) forHello(hello *tls.ClientHelloInfo) *tls.Config {
	group := vt.prio.PreferredGroup(hello.SupportedCurves)
	ver := helloVersion(vt.conf, hello.SupportedVersions)
	pointsOK := len(hello.SupportedPoints) == 0 || slices.Contains(hello.SupportedPoints, 0)
	var rsaCert, ecCert bool
	for _, c := range vt.conf.Certificates {
		if c.Leaf == nil {
			continue
		}
		switch c.Leaf.PublicKey.(type) {
		case *rsa.PublicKey:
			rsaCert = true
		case *ecdsa.PublicKey, ed25519.PublicKey:
			// EdDSA certificates go with the ECDHE_ECDSA suites in
			// TLS 1.2 (RFC 8422), in GnuTLS as in crypto/tls.
			ecCert = true
		}
	}
	usable := func(id uint16) bool {
		name := tls.CipherSuiteName(id)
		if strings.HasPrefix(name, "TLS_ECDHE_") && (group == 0 || !pointsOK) {
			return false
		}
		if strings.HasPrefix(name, "TLS_ECDHE_ECDSA_") {
			return ecCert
		}
		return rsaCert
	}
	suite := vt.prio.Preferred(hello.CipherSuites, ver, usable)
	if suite == 0 && group == 0 {
		return vt.conf
	}
	c := vt.conf.Clone()
	if suite != 0 {
		c.CipherSuites = []uint16{suite}
	}
	if group != 0 {
		c.CurvePreferences = []tls.CurveID{group}
	}
	return c
}

// helloVersion is the version crypto/tls will negotiate: the first of the
// client's versions within the configuration's range (0 if none).
func helloVersion(c *tls.Config, versions []uint16) uint16 {
	for _, v := range versions {
		if v >= c.MinVersion && v <= c.MaxVersion && v >= tls.VersionTLS10 && v <= tls.VersionTLS13 {
			return v
		}
	}
	return 0
}

// current returns the TLS data of the selected vhost.
func (k *tlsKeys) current(v *config.Vhost) *vhostTLS {
	if vt := k.vhosts[v.Name]; vt != nil {
		return vt
	}
	for _, vt := range k.vhosts {
		return vt
	}
	return nil
}

// recSigner forwards to the remote key and records the signature scheme.
type recSigner struct {
	crypto.Signer
	k *tlsKeys
}

type recDecrypter struct {
	recSigner
	d crypto.Decrypter
}

func (r *recDecrypter) Decrypt(rand io.Reader, msg []byte, opts crypto.DecrypterOpts) ([]byte, error) {
	return r.d.Decrypt(rand, msg, opts)
}

func wrapSigner(s crypto.Signer, k *tlsKeys) crypto.Signer {
	rs := recSigner{Signer: s, k: k}
	if d, ok := s.(crypto.Decrypter); ok {
		return &recDecrypter{recSigner: rs, d: d}
	}
	return &rs
}

func (r *recSigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	r.k.lastSig.Store(sigName(r.Signer.Public(), opts))
	return r.Signer.Sign(rand, digest, opts)
}

// sigName is GnuTLS's name of a signature algorithm.
func sigName(pub crypto.PublicKey, opts crypto.SignerOpts) string {
	h := "SHA256"
	switch opts.HashFunc() {
	case crypto.SHA1:
		h = "SHA1"
	case crypto.SHA384:
		h = "SHA384"
	case crypto.SHA512:
		h = "SHA512"
	case crypto.MD5SHA1:
		h = "MD5-SHA1"
	}
	switch p := pub.(type) {
	case *rsa.PublicKey:
		if _, ok := opts.(*rsa.PSSOptions); ok {
			return "RSA-PSS-RSAE-" + h
		}
		return "RSA-" + h
	case *ecdsa.PublicKey:
		if opts.HashFunc() == crypto.SHA1 {
			return "ECDSA-SHA1"
		}
		curve := map[string]string{"P-256": "SECP256R1", "P-384": "SECP384R1", "P-521": "SECP521R1"}[p.Curve.Params().Name]
		return "ECDSA-" + curve + "-" + h
	case ed25519.PublicKey:
		return "EdDSA-Ed25519"
	}
	return "UNKNOWN"
}
