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
	"os/exec"
	"path/filepath"
	"strings"
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
	return NewPKIWithCAKeyUsage(dir, kt, dnsName, ips, DefaultCAKeyUsage)
}

// DefaultCAKeyUsage is the keyUsage of NewPKI's CA certificate.
const DefaultCAKeyUsage = x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature

// NewPKIWithCAKeyUsage is NewPKI with the CA certificate's keyUsage set to
// ku, e.g. x509.KeyUsageCertSign alone for a CA without cRLSign, as older
// and hand-made CAs (ocserv's own test CA among them) have it.
func NewPKIWithCAKeyUsage(dir string, kt KeyType, dnsName string, ips []netip.Addr, ku x509.KeyUsage) (*PKI, error) {
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
		KeyUsage:              ku,
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

// CRLFormat is the encoding of a CRL file written by WriteCRL.
type CRLFormat int

const (
	CRLPEM CRLFormat = iota // one "X509 CRL" PEM block
	CRLDER                  // the bare DER list
)

// CRLSpec describes a revocation list for PKI.WriteCRL.
type CRLSpec struct {
	Number  int64         // cRLNumber; also spaces the file's mtime (see WriteCRL)
	Revoked []*ClientCert // certificates the list names
	Format  CRLFormat
	// ThisUpdate and NextUpdate default to an hour ago and a day ahead;
	// set both in the past for a stale list.
	ThisUpdate, NextUpdate time.Time
	// SignedBy, if set, signs the list with that PKI's CA key while the
	// list still names this PKI's CA as its issuer (a forged list).
	SignedBy *PKI
}

// CRL returns the DER of a revocation list issued by p's CA as described
// by spec. It is signed even when the CA's keyUsage lacks cRLSign (which
// crypto/x509 refuses to do), as hand-made CAs do with openssl or certtool.
func (p *PKI) CRL(spec CRLSpec) ([]byte, error) {
	var es []x509.RevocationListEntry
	for _, c := range spec.Revoked {
		cert, err := readCertPEM(c.Cert)
		if err != nil {
			return nil, err
		}
		es = append(es, x509.RevocationListEntry{SerialNumber: cert.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)})
	}
	this, next := spec.ThisUpdate, spec.NextUpdate
	if this.IsZero() {
		this = time.Now().Add(-time.Hour)
	}
	if next.IsZero() {
		next = time.Now().Add(24 * time.Hour)
	}
	signer, key := p, p.caKey
	if spec.SignedBy != nil {
		signer, key = spec.SignedBy, spec.SignedBy.caKey
	}
	// The issuer as CreateRevocationList sees it: this CA's name and key
	// identifier, the signer's key, and cRLSign so that it signs.
	issuer := *p.ca
	issuer.KeyUsage |= x509.KeyUsageCRLSign
	issuer.PublicKey = signer.ca.PublicKey
	issuer.PublicKeyAlgorithm = signer.ca.PublicKeyAlgorithm
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(spec.Number),
		ThisUpdate: this, NextUpdate: next, RevokedCertificateEntries: es}, &issuer, key)
	if err != nil {
		return nil, fmt.Errorf("create CRL: %w", err)
	}
	return der, nil
}

// WriteCRL writes p.CRL(spec) to path, replacing the file atomically, with
// an mtime of now + Number seconds so that successive lists differ in
// mtime even within the file system's timestamp granularity.
func (p *PKI) WriteCRL(path string, spec CRLSpec) error {
	der, err := p.CRL(spec)
	if err != nil {
		return err
	}
	data := der
	if spec.Format == CRLPEM {
		data = pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der})
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("write CRL: %w", err)
	}
	later := time.Now().Add(time.Duration(spec.Number) * time.Second)
	if err := os.Chtimes(tmp, later, later); err != nil {
		return fmt.Errorf("write CRL: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write CRL: %w", err)
	}
	return nil
}

func readCertPEM(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read certificate: %w", err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// CerttoolCert is a server certificate and key made by GnuTLS's certtool
// (CerttoolServerCert).
type CerttoolCert struct {
	Cert string // PEM certificate path
	Key  string // PEM key path, as certtool writes it
	Pin  string // openconnect's --servercert value for Cert
}

// CerttoolServerCert makes a server key of keyType with certtool
// (--key-type: "rsa", "rsa-pss", "ecdsa", "ed25519", ...) and a server
// certificate for dnsName signed by p's CA, written as
// DIR/NAME-cert.pem and DIR/NAME-key.pem. certtool makes key types that
// crypto/x509 cannot (RSA-PSS) and writes keys the way GnuTLS users
// have them. keyArgs are extra --generate-privkey arguments (e.g.
// "--curve", "secp384r1"). It fails when certtool is not installed.
func (p *PKI) CerttoolServerCert(name, keyType, dnsName string, keyArgs ...string) (*CerttoolCert, error) {
	tool, err := exec.LookPath("certtool")
	if err != nil {
		return nil, fmt.Errorf("certtool (GnuTLS) is needed: %w", err)
	}
	c := &CerttoolCert{Cert: filepath.Join(p.Dir, name+"-cert.pem"), Key: filepath.Join(p.Dir, name+"-key.pem")}
	tmpl := filepath.Join(p.Dir, name+".tmpl")
	t := "cn = " + dnsName + "\ndns_name = " + dnsName + "\norganization = ocserv-go rig\n" +
		"tls_www_server\nsigning_key\nexpiration_days = 365\n"
	if keyType == "rsa" {
		t += "encryption_key\n"
	}
	if err := os.WriteFile(tmpl, []byte(t), 0o644); err != nil {
		return nil, fmt.Errorf("certtool template: %w", err)
	}
	runs := [][]string{
		append([]string{"--generate-privkey", "--key-type", keyType, "--outfile", c.Key}, keyArgs...),
		{"--generate-certificate", "--load-privkey", c.Key, "--load-ca-certificate", p.CACert,
			"--load-ca-privkey", p.CAKey, "--template", tmpl, "--outfile", c.Cert},
	}
	for _, args := range runs {
		out, err := exec.Command(tool, args...).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("certtool %s: %w\n%s", strings.Join(args, " "), err, out)
		}
	}
	if err := os.Chmod(c.Key, 0o600); err != nil {
		return nil, fmt.Errorf("certtool key: %w", err)
	}
	cert, err := readCertPEM(c.Cert)
	if err != nil {
		return nil, err
	}
	c.Pin = Pin(cert)
	return c, nil
}
