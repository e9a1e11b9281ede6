package rig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"time"
)

// KeyType selects the key algorithm of generated certificates.
type KeyType int

const (
	RSA2048   KeyType = iota // RSA 2048-bit (default)
	ECDSAP256                // ECDSA on P-256
)

// PKI is a CA and a server certificate on disk.
type PKI struct {
	Dir        string
	KeyType    KeyType
	CACert     string // PEM paths
	CAKey      string
	ServerCert string
	ServerKey  string
	ServerName string // DNS SAN of the server certificate
	// ServerPin is openconnect's --servercert value for the server
	// certificate: "pin-sha256:" + base64(SHA-256(SubjectPublicKeyInfo)).
	ServerPin string

	ca    *x509.Certificate
	caKey crypto.Signer
}

// ClientCert is a client certificate signed by the CA.
type ClientCert struct {
	Cert string // PEM certificate path
	Key  string // PEM key path (PKCS#8)
}

// NewPKI generates a CA and a server certificate for dnsName and ips into
// dir (created if needed). Certificates are world-readable, keys 0600.
func NewPKI(dir string, kt KeyType, dnsName string, ips []netip.Addr) (*PKI, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("pki dir: %w", err)
	}
	p := &PKI{Dir: dir, KeyType: kt, ServerName: dnsName,
		CACert: filepath.Join(dir, "ca-cert.pem"), CAKey: filepath.Join(dir, "ca-key.pem"),
		ServerCert: filepath.Join(dir, "server-cert.pem"), ServerKey: filepath.Join(dir, "server-key.pem")}

	caKey, err := newKey(kt)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "ocserv-go test CA", Organization: []string{"ocserv-go rig"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("create CA certificate: %w", err)
	}
	p.ca, _ = x509.ParseCertificate(caDER)
	p.caKey = caKey
	if err := writeCert(p.CACert, caDER); err != nil {
		return nil, err
	}
	if err := writeKey(p.CAKey, caKey); err != nil {
		return nil, err
	}

	srvKey, err := newKey(kt)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: dnsName, Organization: []string{"ocserv-go rig"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{dnsName},
	}
	if kt == ECDSAP256 {
		tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	}
	for _, ip := range ips {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IP(ip.AsSlice()))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, srvKey.Public(), caKey)
	if err != nil {
		return nil, fmt.Errorf("create server certificate: %w", err)
	}
	if err := writeCert(p.ServerCert, der); err != nil {
		return nil, err
	}
	if err := writeKey(p.ServerKey, srvKey); err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	p.ServerPin = Pin(cert)
	return p, nil
}

// Pin returns openconnect's pin-sha256 string for a certificate.
func Pin(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.RawSubjectPublicKeyInfo)
	return "pin-sha256:" + base64.StdEncoding.EncodeToString(sum[:])
}

// ClientCert issues a client certificate with common name cn (and, if
// given, organizational units, which ocserv can use as groups) and writes it
// as DIR/client-CN-cert.pem and -key.pem.
func (p *PKI) ClientCert(cn string, ous ...string) (*ClientCert, error) {
	key, err := newKey(p.KeyType)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: cn, OrganizationalUnit: ous, Organization: []string{"ocserv-go rig"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(2 * 365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, key.Public(), p.caKey)
	if err != nil {
		return nil, fmt.Errorf("create client certificate %q: %w", cn, err)
	}
	c := &ClientCert{Cert: filepath.Join(p.Dir, "client-"+cn+"-cert.pem"), Key: filepath.Join(p.Dir, "client-"+cn+"-key.pem")}
	if err := writeCert(c.Cert, der); err != nil {
		return nil, err
	}
	if err := writeKey(c.Key, key); err != nil {
		return nil, err
	}
	return c, nil
}

func newKey(kt KeyType) (crypto.Signer, error) {
	switch kt {
	case RSA2048:
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, fmt.Errorf("rsa key: %w", err)
		}
		return k, nil
	case ECDSAP256:
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, fmt.Errorf("ecdsa key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("unknown key type %d", kt)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n.Add(n, big.NewInt(1))
}

func writeCert(path string, der []byte) error {
	b := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func writeKey(path string, key crypto.Signer) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("marshal key: %w", err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
