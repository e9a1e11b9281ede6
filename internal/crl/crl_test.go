package crl

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// newCA makes a self-signed CA with keyUsage ku (0: no keyUsage extension).
func newCA(t *testing.T, name string, ku x509.KeyUsage) *ca {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: ku}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &ca{c, k}
}

func (a *ca) issue(t *testing.T, serial int64) *x509.Certificate {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "u"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, k.Public(), a.key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// list makes a DER list naming a's CA, signed by signer's key (a itself
// when nil), valid from this to next.
func (a *ca) list(t *testing.T, signer *ca, this, next time.Time, serials ...int64) []byte {
	t.Helper()
	if signer == nil {
		signer = a
	}
	var es []x509.RevocationListEntry
	for _, s := range serials {
		es = append(es, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: time.Now()})
	}
	// crypto/x509 only signs with cRLSign; the issuer's name and key id
	// come from a, the key from signer.
	issuer := *a.cert
	issuer.KeyUsage |= x509.KeyUsageCRLSign
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: this, NextUpdate: next, RevokedCertificateEntries: es}, &issuer, signer.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func (a *ca) crl(t *testing.T, serials ...int64) []byte {
	return a.list(t, nil, time.Now().Add(-time.Minute), time.Now().Add(time.Hour), serials...)
}

func pemCRL(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}) }

func mustParse(t *testing.T, data []byte) []*x509.RevocationList {
	t.Helper()
	l, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestRevokedBy(t *testing.T) {
	const full = x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	a, b := newCA(t, "A", full), newCA(t, "B", full)
	noSign := newCA(t, "N", x509.KeyUsageCertSign) // keyUsage without cRLSign
	noKU := newCA(t, "K", 0)                       // no keyUsage extension
	good, bad := a.issue(t, 10), a.issue(t, 11)
	fromB := b.issue(t, 11)
	nGood, nBad := noSign.issue(t, 10), noSign.issue(t, 11)
	kBad := noKU.issue(t, 11)
	la := mustParse(t, pemCRL(a.crl(t, 11)))
	lb := mustParse(t, b.crl(t, 10, 11))
	ln := mustParse(t, noSign.crl(t, 11))
	lk := mustParse(t, noKU.crl(t, 11))
	// A list naming A as its issuer but signed by B's key.
	lf := mustParse(t, a.list(t, b, time.Now().Add(-time.Minute), time.Now().Add(time.Hour), 11))
	// A stale list: nextUpdate a day ago.
	ls := mustParse(t, a.list(t, nil, time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour), 11))
	// A list not yet valid: thisUpdate tomorrow.
	lfut := mustParse(t, a.list(t, nil, time.Now().Add(24*time.Hour), time.Now().Add(48*time.Hour), 11))
	tests := []struct {
		name    string
		lists   []*x509.RevocationList
		cert    *x509.Certificate
		issuer  *x509.Certificate
		want    bool
		wantErr string
	}{
		{"listed", la, bad, a.cert, true, ""},
		{"not listed", la, good, a.cert, false, ""},
		{"other CA's list", lb, good, a.cert, false, ""},
		{"other CA's cert", la, fromB, b.cert, false, ""},
		{"other CA's own list", lb, fromB, b.cert, true, ""},
		{"both lists", append(append([]*x509.RevocationList{}, la...), lb...), bad, a.cert, true, ""},
		{"CA without cRLSign, listed", ln, nBad, noSign.cert, true, ""},
		{"CA without cRLSign, not listed", ln, nGood, noSign.cert, false, ""},
		{"CA without keyUsage, listed", lk, kBad, noKU.cert, true, ""},
		{"forged signature, listed", lf, bad, a.cert, true, "signature does not verify"},
		{"forged signature, not listed", lf, good, a.cert, true, "signature does not verify"},
		{"forged list of A, B's cert", lf, fromB, b.cert, false, ""},
		{"stale list still revokes", ls, bad, a.cert, true, ""},
		{"stale list, not listed", ls, good, a.cert, false, ""},
		{"future list still revokes", lfut, bad, a.cert, true, ""},
		{"no issuer", la, bad, nil, true, "no issuer"},
		{"no cert", la, nil, a.cert, true, "no certificate"},
		{"wrong issuer", la, bad, b.cert, true, "did not issue"},
		{"no lists", nil, bad, a.cert, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RevokedBy(tc.lists, tc.cert, tc.issuer)
			if got != tc.want {
				t.Errorf("RevokedBy = %v, want %v (err %v)", got, tc.want, err)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("unexpected error %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("error %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}

func TestParse(t *testing.T) {
	a := newCA(t, "A", x509.KeyUsageCertSign)
	der1, der2 := a.crl(t, 1), a.crl(t, 2)
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: a.cert.Raw})
	join := func(bs ...[]byte) []byte {
		var out []byte
		for _, b := range bs {
			out = append(out, b...)
		}
		return out
	}
	tests := []struct {
		name    string
		data    []byte
		lists   int
		wantErr string
	}{
		{"DER", der1, 1, ""},
		{"PEM", pemCRL(der1), 1, ""},
		{"two PEM lists", join(pemCRL(der1), pemCRL(der2)), 2, ""},
		{"PEM with text and a certificate", join([]byte("comment\n"), certPEM, pemCRL(der2)), 1, ""},
		{"empty", nil, 0, "empty"},
		{"blank", []byte(" \n\t\n"), 0, "empty"},
		{"garbage", []byte("this is not a CRL\n"), 0, "neither PEM nor a DER"},
		{"truncated DER", der1[:len(der1)-5], 0, "neither PEM nor a DER"},
		{"PEM without CRL", certPEM, 0, "no X509 CRL block"},
		{"corrupt PEM list", join(pemCRL(der1), pemCRL([]byte{0x30, 0x03, 0x02, 0x01, 0x00})), 0, "parse list 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			lists, err := Parse(tc.data)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || len(lists) != tc.lists {
				t.Fatalf("Parse = %d lists, %v; want %d", len(lists), err, tc.lists)
			}
		})
	}
}

func writeFile(t *testing.T, path string, data []byte, mtime time.Time) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(tmp, mtime, mtime)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func TestCheckerReload(t *testing.T) {
	a := newCA(t, "A", x509.KeyUsageCertSign) // no cRLSign
	b := newCA(t, "B", x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
	c10, c11 := a.issue(t, 10), a.issue(t, 11)
	path := filepath.Join(t.TempDir(), "crl.pem")
	now := time.Now()
	writeFile(t, path, pemCRL(a.crl(t, 11)), now)
	ch, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name    string
		data    []byte // nil: remove the file
		cert    *x509.Certificate
		revoked bool
		err     bool
	}{
		{"first list, good", nil, c10, false, false},
		{"first list, revoked", nil, c11, true, false},
		{"DER list revoking both", a.crl(t, 10, 11), c10, true, false},
		{"PEM list revoking none", pemCRL(a.crl(t)), c11, false, false},
		{"garbage", []byte("garbage"), c10, true, true},
		{"empty", []byte{}, c10, true, true},
		{"list signed by another key", a.list(t, b, now.Add(-time.Minute), now.Add(time.Hour)), c10, true, true},
		{"fixed again", pemCRL(a.crl(t, 11)), c10, false, false},
		{"removed", nil, c10, true, true},
	}
	for i, s := range steps {
		switch {
		case i == len(steps)-1:
			os.Remove(path)
		case s.data != nil:
			writeFile(t, path, s.data, now.Add(time.Duration(i+1)*time.Second))
		}
		r, err := ch.Revoked(s.cert, a.cert)
		if r != s.revoked || (err != nil) != s.err {
			t.Errorf("%s: revoked=%v err=%v, want revoked=%v error=%v", s.name, r, err, s.revoked, s.err)
		}
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage")
	os.WriteFile(garbage, []byte("x"), 0o644)
	for _, p := range []string{filepath.Join(dir, "missing"), dir, fifo, garbage} {
		done := make(chan error, 1)
		go func() { _, err := New(p); done <- err }()
		select {
		case err := <-done:
			if err == nil {
				t.Errorf("New(%s) succeeded", filepath.Base(p))
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("New(%s) hung", filepath.Base(p))
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n"))
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x00})
	f.Fuzz(func(t *testing.T, data []byte) {
		lists, err := Parse(data)
		if err == nil && len(lists) == 0 {
			t.Fatal("no error and no list")
		}
		for _, l := range lists {
			if l == nil {
				t.Fatal("nil list")
			}
		}
	})
}
