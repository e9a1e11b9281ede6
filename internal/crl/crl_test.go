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
	"testing"
	"time"
)

type ca struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newCA(t *testing.T, name string) *ca {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
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

func (a *ca) crl(t *testing.T, num int64, serials ...int64) []byte {
	t.Helper()
	var es []x509.RevocationListEntry
	for _, s := range serials {
		es = append(es, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: time.Now()})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(num),
		ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour), RevokedCertificateEntries: es}, a.cert, a.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func pemCRL(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}) }

func TestRevokedBy(t *testing.T) {
	a, b := newCA(t, "A"), newCA(t, "B")
	good, bad := a.issue(t, 10), a.issue(t, 11)
	fromB := b.issue(t, 11)
	la, _ := Parse(pemCRL(a.crl(t, 1, 11)))
	lb, _ := Parse(b.crl(t, 1, 10, 11))
	// A list naming A's issuer but signed by B must not apply.
	forged, _ := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(2),
		ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour), Issuer: a.cert.Subject,
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: big.NewInt(10), RevocationTime: time.Now()}}}, b.cert, b.key)
	lf, _ := Parse(forged)
	tests := []struct {
		name   string
		lists  []*x509.RevocationList
		cert   *x509.Certificate
		issuer *x509.Certificate
		want   bool
	}{
		{"listed", la, bad, a.cert, true},
		{"not listed", la, good, a.cert, false},
		{"other CA's list", lb, good, a.cert, false},
		{"other CA's cert", la, fromB, b.cert, false},
		{"other CA's own list", lb, fromB, b.cert, true},
		{"both lists", append(la, lb...), bad, a.cert, true},
		{"forged signature", lf, good, a.cert, false},
		{"no issuer", la, bad, nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := RevokedBy(tc.lists, tc.cert, tc.issuer); got != tc.want {
				t.Fatalf("RevokedBy = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckerReload(t *testing.T) {
	a := newCA(t, "A")
	c10, c11 := a.issue(t, 10), a.issue(t, 11)
	path := filepath.Join(t.TempDir(), "crl.pem")
	if err := os.WriteFile(path, pemCRL(a.crl(t, 1, 11)), 0o644); err != nil {
		t.Fatal(err)
	}
	ch, err := New(path)
	if err != nil {
		t.Fatal(err)
	}
	if r, err := ch.Revoked(c10, a.cert); r || err != nil {
		t.Fatalf("c10 revoked=%v err=%v", r, err)
	}
	if r, _ := ch.Revoked(c11, a.cert); !r {
		t.Fatal("c11 not revoked")
	}
	// Replace the file (new list also revokes 10); make the mtime differ.
	tmp := path + ".new"
	os.WriteFile(tmp, pemCRL(a.crl(t, 2, 10, 11)), 0o644)
	later := time.Now().Add(2 * time.Second)
	os.Chtimes(tmp, later, later)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
	if r, _ := ch.Revoked(c10, a.cert); !r {
		t.Fatal("c10 not revoked after the file was replaced")
	}
	// A broken file fails closed.
	os.WriteFile(path, []byte("garbage"), 0o644)
	os.Chtimes(path, later.Add(time.Second), later.Add(time.Second))
	if r, err := ch.Revoked(c10, a.cert); !r || err == nil {
		t.Fatalf("broken file: revoked=%v err=%v, want true and an error", r, err)
	}
	if _, err := New(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Fatal("New of a missing file succeeded")
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
	})
}
