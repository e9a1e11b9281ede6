// Package crl checks client certificates against a certificate revocation
// list file (the `crl` option), which Go's crypto/x509 does not do.
//
// Process: the worker, which verifies the TLS client certificate chain. It
// reads only the CRL file it is given (PEM or DER, one or more lists) and
// re-reads it whenever the file's modification time or size changes, so a
// replaced file applies to the next check without a restart.
//
// A list applies to a certificate when the list's issuer name is the
// certificate's issuer name. An applicable list must be signed by the
// issuer's key: the signature is checked with the key directly, whatever
// the issuer's keyUsage says, so a CA without cRLSign (common in older and
// hand-made CAs) still revokes, as with GnuTLS, which ocserv uses. A
// certificate whose serial number appears in an applicable list is
// revoked. A list past its NextUpdate (or before its ThisUpdate) is still
// applied: GnuTLS does not look at a list's dates either.
//
// Everything fails closed: a file that cannot be read or parsed, and an
// applicable list whose signature does not verify, are errors, and the
// caller refuses the certificate. (GnuTLS does not verify a CRL's signature
// at all as ocserv loads it, so a forged list still revokes there; here it
// refuses every certificate of that issuer until the file is fixed.)
package crl

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"syscall"
	"time"
)

// MaxFileSize bounds the CRL file read (large CAs publish lists of tens of
// MiB; anything beyond this is refused rather than read into memory).
const MaxFileSize = 256 << 20

// maxLists bounds the number of PEM blocks looked at in one file.
const maxLists = 10000

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
// (other blocks are skipped) or, when data holds no PEM block at all, a
// single DER list. A list that does not parse, PEM with no CRL block and
// an empty file are errors.
func Parse(data []byte) ([]*x509.RevocationList, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the file is empty")
	}
	lists, blocks, err := parsePEM(data)
	if err != nil {
		return nil, err
	}
	if blocks == 0 {
		l, err := x509.ParseRevocationList(data)
		if err != nil {
			return nil, fmt.Errorf("neither PEM nor a DER list: %w", err)
		}
		return []*x509.RevocationList{l}, nil
	}
	if len(lists) == 0 {
		return nil, errors.New("no X509 CRL block found")
	}
	return lists, nil
}

// parsePEM parses the "X509 CRL" blocks of data and counts every PEM block.
func parsePEM(data []byte) ([]*x509.RevocationList, int, error) {
	var out []*x509.RevocationList
	rest, blocks := data, 0
	for ; blocks < maxLists; blocks++ {
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
			return nil, blocks, fmt.Errorf("parse list %d: %w", len(out)+1, err)
		}
		out = append(out, l)
	}
	return out, blocks, nil
}

// readFile reads a regular file of at most MaxFileSize bytes (a FIFO or a
// device would block or never end; O_NONBLOCK keeps the open of a FIFO from
// waiting for a writer, and has no effect on a regular file).
func readFile(path string) ([]byte, os.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, nil, err
	}
	if len(data) > MaxFileSize {
		return nil, nil, fmt.Errorf("%s is larger than %d bytes", path, MaxFileSize)
	}
	return data, st, nil
}

// refresh reads the file the first time and re-reads it when its mtime or
// size changed. Errors name the file (os errors already do).
func (c *Checker) refresh() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lists != nil {
		st, err := os.Stat(c.path)
		if err != nil {
			return err
		}
		if st.ModTime().Equal(c.mtime) && st.Size() == c.size {
			return nil
		}
	}
	data, st, err := readFile(c.path)
	if err != nil {
		return err
	}
	lists, err := Parse(data)
	if err != nil {
		return fmt.Errorf("%s: %w", c.path, err)
	}
	c.lists, c.mtime, c.size = lists, st.ModTime(), st.Size()
	return nil
}

// Revoked reports whether cert, issued by issuer, is revoked. The file is
// re-read first if it changed. On any error (the file cannot be read or
// parsed, an applicable list is not signed by issuer) revoked is true as
// well: a broken CRL never lets a certificate in.
func (c *Checker) Revoked(cert, issuer *x509.Certificate) (bool, error) {
	if err := c.refresh(); err != nil {
		return true, err
	}
	c.mu.Lock()
	lists := c.lists
	c.mu.Unlock()
	revoked, err := RevokedBy(lists, cert, issuer)
	if err != nil {
		return true, fmt.Errorf("%s: %w", c.path, err)
	}
	return revoked, nil
}

// RevokedBy reports whether one of lists issued by issuer names cert's
// serial number. Every list whose issuer name is cert's issuer name must
// carry a signature that verifies with issuer's public key; one that does
// not is an error (and revoked is true). A missing cert or issuer is an
// error too.
func RevokedBy(lists []*x509.RevocationList, cert, issuer *x509.Certificate) (bool, error) {
	if cert == nil || issuer == nil {
		return true, errors.New("no certificate or no issuer to check")
	}
	if !bytes.Equal(cert.RawIssuer, issuer.RawSubject) {
		return true, errors.New("the issuer certificate did not issue the certificate")
	}
	for i, l := range lists {
		if !bytes.Equal(l.RawIssuer, cert.RawIssuer) {
			continue
		}
		if err := verifyList(l, issuer); err != nil {
			return true, fmt.Errorf("list %d (issuer %q): %w", i+1, l.Issuer.String(), err)
		}
		if listed(l, cert) {
			return true, nil
		}
	}
	return false, nil
}

// verifyList checks l's signature with issuer's key directly. Unlike
// RevocationList.CheckSignatureFrom it does not require cRLSign in the
// issuer's keyUsage, which GnuTLS does not require either.
func verifyList(l *x509.RevocationList, issuer *x509.Certificate) error {
	if err := issuer.CheckSignature(l.SignatureAlgorithm, l.RawTBSRevocationList, l.Signature); err != nil {
		return fmt.Errorf("signature does not verify with the key of the CA: %w", err)
	}
	return nil
}

// listed reports whether l names cert's serial number.
func listed(l *x509.RevocationList, cert *x509.Certificate) bool {
	for _, e := range l.RevokedCertificateEntries {
		if e.SerialNumber != nil && cert.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			return true
		}
	}
	return false
}
