// Package crl checks client certificates against a certificate revocation
// list file (the `crl` option), which Go's crypto/x509 does not do.
//
// Process: the worker, which verifies the TLS client certificate chain. It
// reads only the CRL file it is given (PEM or DER, one or more lists) and
// re-reads it whenever the file's modification time or size changes, so a
// replaced file applies to the next check without a restart.
//
// A list applies to a certificate when the list's issuer is the
// certificate's issuer and the list's signature verifies with the issuer's
// key. A certificate whose serial number appears in an applicable list is
// revoked. A list past its NextUpdate is still applied (GnuTLS, which
// ocserv uses, does the same: a stale list still revokes).
package crl

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Checker holds the parsed lists of one CRL file.
type Checker struct {
	path string

	mu    sync.Mutex
	mtime time.Time
	size  int64
	lists []*x509.RevocationList
}

// New returns a checker for the file at path and loads it once; a file
// that cannot be read or parsed is an error.
func New(path string) (*Checker, error) {
	c := &Checker{path: path}
	if err := c.refresh(); err != nil {
		return nil, err
	}
	return c, nil
}

// Parse reads every revocation list in data: PEM blocks of type "X509 CRL"
// or a single DER list.
func Parse(data []byte) ([]*x509.RevocationList, error) {
	trimmed := bytes.TrimSpace(data)
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		l, err := x509.ParseRevocationList(data)
		if err != nil {
			return nil, fmt.Errorf("crl: parse DER: %w", err)
		}
		return []*x509.RevocationList{l}, nil
	}
	var out []*x509.RevocationList
	rest := trimmed
	for i := 0; i < 10000; i++ {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			break
		}
		if b.Type != "X509 CRL" {
			continue
		}
		l, err := x509.ParseRevocationList(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("crl: parse list %d: %w", len(out)+1, err)
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return nil, errors.New("crl: no X509 CRL block found")
	}
	return out, nil
}

// refresh re-reads the file when its mtime or size changed.
func (c *Checker) refresh() error {
	st, err := os.Stat(c.path)
	if err != nil {
		return fmt.Errorf("crl: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lists != nil && st.ModTime().Equal(c.mtime) && st.Size() == c.size {
		return nil
	}
	data, err := os.ReadFile(c.path)
	if err != nil {
		return fmt.Errorf("crl: %w", err)
	}
	lists, err := Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", c.path, err)
	}
	c.lists, c.mtime, c.size = lists, st.ModTime(), st.Size()
	return nil
}

// Revoked reports whether cert, issued by issuer, is revoked. The file is
// re-read first if it changed; when it cannot be read the error is
// returned with revoked = true (a broken CRL never lets a certificate in).
func (c *Checker) Revoked(cert, issuer *x509.Certificate) (bool, error) {
	if err := c.refresh(); err != nil {
		return true, err
	}
	c.mu.Lock()
	lists := c.lists
	c.mu.Unlock()
	return RevokedBy(lists, cert, issuer), nil
}

// RevokedBy reports whether one of lists that was issued and signed by
// issuer names cert's serial number.
func RevokedBy(lists []*x509.RevocationList, cert, issuer *x509.Certificate) bool {
	if cert == nil || issuer == nil {
		return false
	}
	for _, l := range lists {
		if !bytes.Equal(l.RawIssuer, cert.RawIssuer) {
			continue
		}
		if l.CheckSignatureFrom(issuer) != nil {
			continue
		}
		for _, e := range l.RevokedCertificateEntries {
			if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
				return true
			}
		}
	}
	return false
}
