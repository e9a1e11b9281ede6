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
	"encoding/pem"
	"io"
	"math/big"
	"os"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
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

// TestNewTLSKeysKeyTypes: each vhost's tls.Certificate carries a remote
// key with the leaf's own public key type (RSA keys also decrypt), and a
// leaf whose public key crypto/x509 cannot use (RSA-PSS, made by certtool:
// testdata/rsa-pss-cert.pem) is refused with an error that says so (main
// refuses such keys at start-up; before, the error was "unsupported public
// key type <nil>").
func TestNewTLSKeysKeyTypes(t *testing.T) {
	cfg, err := config.LoadBytes([]byte("auth = \"plain[passwd=/dev/null]\"\ntcp-port = 443\nsocket-file = /run/x.sock\n"+
		"server-cert = /dev/null\nserver-key = /dev/null\nipv4-network = 192.168.1.0\nipv4-netmask = 255.255.255.0\ndevice = vpns\n"),
		config.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	ek, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	_, edk, _ := ed25519.GenerateKey(rand.Reader)
	pssPEM, err := os.ReadFile("testdata/rsa-pss-cert.pem")
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(pssPEM)
	if blk == nil {
		t.Fatal("testdata/rsa-pss-cert.pem: no PEM block")
	}
	for _, tt := range []struct {
		name    string
		der     []byte
		wantErr string
		decrypt bool
	}{
		{"RSA", tlsconfLeaf(t, rk).Raw, "", true},
		{"ECDSA P-384", tlsconfLeaf(t, ek).Raw, "", false},
		{"Ed25519", tlsconfLeaf(t, edk).Raw, "", false},
		{"RSA-PSS", blk.Bytes, "RSA-PSS certificates are not supported", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			w := &worker{log: logx.NewWithOptions("worker", logx.Options{Level: 1, Stderr: io.Discard, NoSyslog: true}),
				st: &ipcpb.WorkerStartup{SecmodPath: proto.String("/nonexistent/sec-mod"),
					CertChains: []*ipcpb.CertChain{{Vhost: proto.String(cfg.Default().Name), KeyIdx: proto.Uint32(0), Der: [][]byte{tt.der}}}}}
			k, err := newTLSKeys(w, cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			c := k.vhosts[cfg.Default().Name].conf.Certificates[0]
			signer, ok := c.PrivateKey.(crypto.Signer)
			if !ok {
				t.Fatalf("private key %T is no crypto.Signer", c.PrivateKey)
			}
			if pub, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(c.Leaf.PublicKey) {
				t.Errorf("remote key's public key %T is not the leaf's %T", signer.Public(), c.Leaf.PublicKey)
			}
			if _, isDec := c.PrivateKey.(crypto.Decrypter); isDec != tt.decrypt {
				t.Errorf("crypto.Decrypter = %v, want %v", isDec, tt.decrypt)
			}
		})
	}
}
