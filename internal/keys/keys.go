package keys

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Errors returned (wrapped) by this package.
var (
	// ErrUnsupportedURL is returned for PKCS#11 and TPM key or certificate URLs.
	ErrUnsupportedURL = errors.New("PKCS#11 and TPM URLs are not supported by ocserv-go")
	// ErrNoCertificate means a file held no PEM certificate.
	ErrNoCertificate = errors.New("no PEM certificate found")
	// ErrNoKey means a file held no PEM private key.
	ErrNoKey = errors.New("no PEM private key found")
	// ErrPasswordRequired means the key is encrypted and no PIN was given.
	ErrPasswordRequired = errors.New("the private key is encrypted and no key-pin or pin-file was given")
	// ErrIncorrectPassword means decryption failed, almost always a wrong PIN.
	ErrIncorrectPassword = errors.New("cannot decrypt the private key (wrong PIN?)")
	// ErrUnsupportedKey is returned for key types or encryption schemes not handled here.
	ErrUnsupportedKey = errors.New("unsupported private key")
	// ErrKeyMismatch means a private key does not belong to a certificate.
	ErrKeyMismatch = errors.New("the private key does not match the certificate")
	// ErrRSAPSS is returned for RSA-PSS keys and certificates (public key
	// algorithm id-RSASSA-PSS, as `certtool --key-type rsa-pss` makes):
	// a TLS client accepts only rsa_pss_pss_* signatures from such a
	// certificate, and Go's crypto/tls, which the worker uses, cannot make
	// them (it signs rsa_pss_rsae_*, which GnuTLS and OpenSSL clients
	// refuse with such a certificate). ocserv 1.1.6 serves them; ocserv-go
	// refuses the configuration rather than fail every handshake
	// (docs/compat.md).
	ErrRSAPSS = errors.New("RSA-PSS (id-RSASSA-PSS) keys and certificates are not supported by ocserv-go: " +
		"Go's TLS cannot make the rsa_pss_pss signatures clients require for them; " +
		"use an RSA (rsaEncryption), ECDSA or Ed25519 key")
)

// IsURL reports whether name is a PKCS#11 or TPM URL rather than a file name,
// as ocserv decides it (by prefix).
func IsURL(name string) bool {
	return strings.HasPrefix(name, "pkcs11:") || strings.HasPrefix(name, "tpmkey:")
}

// LoadCertificates reads a PEM file with one or more certificates (the
// server certificate first, then its chain). Non-certificate PEM blocks are
// skipped. The returned error wraps *os.PathError when the file cannot be
// read, ErrUnsupportedURL for URLs and ErrNoCertificate for a file without
// certificates.
func LoadCertificates(path string) ([]*x509.Certificate, error) {
	if IsURL(path) {
		return nil, fmt.Errorf("loading certificate %s: %w", path, ErrUnsupportedURL)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading certificate: %w", err)
	}
	certs, err := ParseCertificates(data)
	if err != nil {
		return nil, fmt.Errorf("loading certificate %s: %w", path, err)
	}
	return certs, nil
}

// ParseCertificates decodes every "CERTIFICATE" (or "X509 CERTIFICATE")
// PEM block in data, in order.
func ParseCertificates(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	rest := data
	for n := 1; ; n++ {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" && block.Type != "X509 CERTIFICATE" && block.Type != "TRUSTED CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("PEM block %d: %w", n, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, ErrNoCertificate
	}
	return certs, nil
}

// PIN is where the password of an encrypted key comes from: the key-pin
// value, or else the first line of pin-file.
type PIN struct {
	Value string // key-pin
	File  string // pin-file
}

// Password returns the PIN (nil when none is configured).
func (p PIN) Password() ([]byte, error) {
	if p.Value != "" {
		return []byte(p.Value), nil
	}
	if p.File == "" {
		return nil, nil
	}
	data, err := os.ReadFile(p.File)
	if err != nil {
		return nil, fmt.Errorf("reading pin-file: %w", err)
	}
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		data = data[:i]
	}
	return data, nil
}

// LoadPrivateKey reads a PEM private key file, decrypting it with pin when
// it is encrypted.
func LoadPrivateKey(path string, pin PIN) (crypto.Signer, error) {
	if IsURL(path) {
		return nil, fmt.Errorf("loading private key %s: %w", path, ErrUnsupportedURL)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading private key: %w", err)
	}
	pw, err := pin.Password()
	if err != nil {
		return nil, fmt.Errorf("loading private key %s: %w", path, err)
	}
	key, err := ParsePrivateKey(data, pw)
	if err != nil {
		return nil, fmt.Errorf("loading private key %s: %w", path, err)
	}
	return key, nil
}

// ParsePrivateKey decodes the first private-key PEM block in data.
// password is used only if the key is encrypted.
func ParsePrivateKey(data []byte, password []byte) (crypto.Signer, error) {
	rest := data
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, ErrNoKey
		}
		if !strings.HasSuffix(block.Type, "PRIVATE KEY") {
			continue
		}
		return parseKeyBlock(block, password)
	}
}

func parseKeyBlock(block *pem.Block, password []byte) (crypto.Signer, error) {
	der := block.Bytes
	//nolint:staticcheck // legacy PEM encryption is insecure but ocserv accepts it.
	if x509.IsEncryptedPEMBlock(block) {
		if password == nil {
			return nil, ErrPasswordRequired
		}
		//nolint:staticcheck // see above
		d, err := x509.DecryptPEMBlock(block, password)
		if err != nil {
			if errors.Is(err, x509.IncorrectPasswordError) {
				return nil, ErrIncorrectPassword
			}
			return nil, fmt.Errorf("%w: %v", ErrUnsupportedKey, err)
		}
		der = d
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, decodeErr(block, err)
		}
		return k, nil
	case "EC PRIVATE KEY":
		k, err := x509.ParseECPrivateKey(der)
		if err != nil {
			return nil, decodeErr(block, err)
		}
		return k, nil
	case "PRIVATE KEY":
		return parsePKCS8(der)
	case "ENCRYPTED PRIVATE KEY":
		if password == nil {
			return nil, ErrPasswordRequired
		}
		plain, err := decryptPKCS8(der, password)
		if err != nil {
			return nil, err
		}
		k, err := parsePKCS8(plain)
		if errors.Is(err, ErrRSAPSS) {
			return nil, err
		}
		if err != nil {
			// Right padding by chance, wrong key: still a wrong PIN.
			return nil, ErrIncorrectPassword
		}
		return k, nil
	default:
		return nil, fmt.Errorf("%w: PEM type %q", ErrUnsupportedKey, block.Type)
	}
}

// decodeErr turns a parse failure of decrypted bytes into
// ErrIncorrectPassword (the usual cause) and keeps others as they are.
func decodeErr(block *pem.Block, err error) error {
	//nolint:staticcheck // see parseKeyBlock
	if x509.IsEncryptedPEMBlock(block) {
		return ErrIncorrectPassword
	}
	return fmt.Errorf("parsing %s: %w", strings.ToLower(block.Type), err)
}

// Match checks that key is the private key of cert by comparing public keys.
func Match(cert *x509.Certificate, key crypto.Signer) error {
	certPub := cert.PublicKey
	if certPub == nil {
		// Go leaves PublicKey nil for algorithms it does not know.
		if isRSAPSS(cert.RawSubjectPublicKeyInfo) {
			return fmt.Errorf("certificate %q: %w", cert.Subject.String(), ErrRSAPSS)
		}
		return fmt.Errorf("certificate %q: %w: public key algorithm", cert.Subject.String(), ErrUnsupportedKey)
	}
	type equaler interface{ Equal(crypto.PublicKey) bool }
	pub, ok := key.Public().(equaler)
	if !ok {
		return fmt.Errorf("%w: %T", ErrUnsupportedKey, key.Public())
	}
	if !pub.Equal(certPub) {
		return ErrKeyMismatch
	}
	return nil
}

// Algorithm names the key type for messages ("RSA", "ECDSA", "Ed25519").
func Algorithm(key crypto.Signer) string {
	switch key.(type) {
	case *rsa.PrivateKey:
		return "RSA"
	case *ecdsa.PrivateKey:
		return "ECDSA"
	case ed25519.PrivateKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", key)
}
