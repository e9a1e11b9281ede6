package worker

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/tlsprio"
)

// tlsconfLeaf makes a self-signed certificate for key.
func tlsconfLeaf(t *testing.T, key crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vhost"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestForHelloKeyTypes: in TLS 1.2 a vhost's suite is narrowed to one that
// fits its key type, as GnuTLS's choice: ECDHE_RSA for RSA, ECDHE_ECDSA
// for ECDSA and for Ed25519 (EdDSA certificates use the ECDSA suites).
// Before, an Ed25519 vhost was not narrowed at all.
func TestForHelloKeyTypes(t *testing.T) {
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	set, _, err := tlsprio.Parse("NORMAL:%SERVER_PRECEDENCE:%COMPAT:-VERS-SSL3.0:-VERS-TLS1.3")
	if err != nil {
		t.Fatal(err)
	}
	hello := &tls.ClientHelloInfo{
		SupportedVersions: []uint16{tls.VersionTLS12},
		SupportedCurves:   []tls.CurveID{tls.X25519, tls.CurveP256},
		SupportedPoints:   []uint8{0},
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		},
	}
	for _, tt := range []struct {
		name   string
		key    crypto.Signer
		prefix string
	}{
		{"RSA", rk, "TLS_ECDHE_RSA_"},
		{"ECDSA", ek, "TLS_ECDHE_ECDSA_"},
		{"Ed25519", edk, "TLS_ECDHE_ECDSA_"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			leaf := tlsconfLeaf(t, tt.key)
			vt := &vhostTLS{conf: &tls.Config{Certificates: []tls.Certificate{
				{Certificate: [][]byte{leaf.Raw}, PrivateKey: tt.key, Leaf: leaf}}}, prio: set}
			set.Apply(vt.conf)
			c := vt.forHello(hello)
			if len(c.CipherSuites) != 1 || !strings.HasPrefix(tls.CipherSuiteName(c.CipherSuites[0]), tt.prefix) {
				names := make([]string, len(c.CipherSuites))
				for i, id := range c.CipherSuites {
					names[i] = tls.CipherSuiteName(id)
				}
				t.Errorf("suites %v, want one %s* suite", names, tt.prefix)
			}
		})
	}
}
