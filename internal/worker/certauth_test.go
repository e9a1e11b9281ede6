package worker

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestCertNames(t *testing.T) {
	uid := asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	c := &x509.Certificate{
		Subject: pkix.Name{CommonName: "alice", OrganizationalUnit: []string{"staff", "admins"},
			Names: []pkix.AttributeTypeAndValue{
				{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: "alice"},
				{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "staff"},
				{Type: asn1.ObjectIdentifier{2, 5, 4, 11}, Value: "admins"},
				{Type: uid, Value: "a1"},
			}},
		EmailAddresses: []string{"alice@example.test", "x@example.test"},
	}
	tests := []struct {
		user, group string
		wantUser    string
		wantGroups  []string
		wantErr     bool
	}{
		{"2.5.4.3", "2.5.4.11", "alice", []string{"staff", "admins"}, false},
		{"0.9.2342.19200300.100.1.1", "", "a1", nil, false},
		{"SAN(rfc822name)", "2.5.4.10", "alice@example.test", nil, false},
		{"2.5.4.10", "", "", nil, true}, // no O in the DN
		{"2.5.x", "", "", nil, true},
		{"2.5.4.3", "1", "", nil, true},
	}
	for _, tc := range tests {
		u, g, err := certNames(c, tc.user, tc.group)
		if (err != nil) != tc.wantErr {
			t.Errorf("certNames(%q, %q) error = %v, want error %v", tc.user, tc.group, err, tc.wantErr)
			continue
		}
		if err == nil && (u != tc.wantUser || !slices.Equal(g, tc.wantGroups)) {
			t.Errorf("certNames(%q, %q) = %q, %v; want %q, %v", tc.user, tc.group, u, g, tc.wantUser, tc.wantGroups)
		}
	}
}

// crlTestCA is a CA for TestVerifyChainCRL.
type crlTestCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // PEM path
}

func newCRLTestCA(t *testing.T, dir, name string, ku x509.KeyUsage) *crlTestCA {
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
	file := filepath.Join(dir, name+".pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &crlTestCA{c, k, file}
}

func (a *crlTestCA) issue(t *testing.T, serial int64) *x509.Certificate {
	t.Helper()
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "user"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, k.Public(), a.key)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return c
}

// list is a DER CRL naming a as issuer, signed with signer's key.
func (a *crlTestCA) list(t *testing.T, signer *crlTestCA, next time.Time, serials ...int64) []byte {
	t.Helper()
	var es []x509.RevocationListEntry
	for _, s := range serials {
		es = append(es, x509.RevocationListEntry{SerialNumber: big.NewInt(s), RevocationTime: time.Now()})
	}
	issuer := *a.cert
	issuer.KeyUsage |= x509.KeyUsageCRLSign // crypto/x509 signs only with it
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
		ThisUpdate: next.Add(-2 * time.Hour), NextUpdate: next, RevokedCertificateEntries: es}, &issuer, signer.key)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestVerifyChainCRL: a CA whose keyUsage lacks cRLSign (the finding: its
// CRL used to be skipped) and one with it; the CRL in PEM and DER; a
// broken, missing or forged CRL refuses every certificate (errCRL).
func TestVerifyChainCRL(t *testing.T) {
	dir := t.TempDir()
	noSign := newCRLTestCA(t, dir, "nosign", x509.KeyUsageCertSign)
	withSign := newCRLTestCA(t, dir, "withsign", x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
	other := newCRLTestCA(t, dir, "other", x509.KeyUsageCertSign|x509.KeyUsageCRLSign)
	future, past := time.Now().Add(time.Hour), time.Now().Add(-time.Hour)
	pemOf := func(der []byte) []byte { return pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}) }
	tests := []struct {
		name    string
		ca      *crlTestCA
		crl     []byte // nil: no crl option; "missing": a path that does not exist
		missing bool
		serial  int64
		want    string // "" ok, "revoked", "crl" (errCRL)
	}{
		{"no crl", noSign, nil, false, 11, ""},
		{"no cRLSign, PEM, listed", noSign, pemOf(noSign.list(t, noSign, future, 11)), false, 11, "revoked"},
		{"no cRLSign, PEM, not listed", noSign, pemOf(noSign.list(t, noSign, future, 11)), false, 10, ""},
		{"no cRLSign, DER, listed", noSign, noSign.list(t, noSign, future, 11), false, 11, "revoked"},
		{"cRLSign, DER, listed", withSign, withSign.list(t, withSign, future, 11), false, 11, "revoked"},
		{"cRLSign, PEM, not listed", withSign, pemOf(withSign.list(t, withSign, future, 11)), false, 10, ""},
		{"stale list still revokes", noSign, noSign.list(t, noSign, past, 11), false, 11, "revoked"},
		{"stale list, not listed", noSign, noSign.list(t, noSign, past, 11), false, 10, ""},
		{"another CA's list only", noSign, other.list(t, other, future, 10, 11), false, 11, ""},
		{"forged list, listed", noSign, noSign.list(t, other, future, 11), false, 11, "crl"},
		{"forged list, not listed", noSign, noSign.list(t, other, future, 11), false, 10, "crl"},
		{"corrupt", noSign, []byte("not a CRL\n"), false, 10, "crl"},
		{"empty", noSign, []byte{}, false, 10, "crl"},
		{"PEM certificate, no CRL", noSign, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: noSign.cert.Raw}), false, 10, "crl"},
		{"missing", noSign, nil, true, 10, "crl"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			crlFile := ""
			switch {
			case tc.missing:
				crlFile = filepath.Join(dir, "missing.crl")
			case tc.crl != nil:
				crlFile = filepath.Join(dir, fmt.Sprintf("crl%d", i))
				if err := os.WriteFile(crlFile, tc.crl, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			leaf := tc.ca.issue(t, tc.serial)
			err := verifyChain([]*x509.Certificate{leaf}, tc.ca.file, crlFile, time.Now())
			switch tc.want {
			case "":
				if err != nil {
					t.Fatalf("verifyChain: %v", err)
				}
			case "revoked":
				if err == nil || errors.Is(err, errCRL) || !strings.Contains(err.Error(), "is revoked") {
					t.Fatalf("verifyChain = %v, want revoked", err)
				}
			case "crl":
				if !errors.Is(err, errCRL) {
					t.Fatalf("verifyChain = %v, want an errCRL", err)
				}
			}
		})
	}
}
