package rig

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteCRL: lists in PEM and DER, from a CA with and without cRLSign,
// name the revoked serials and verify with the CA's key; a forged one
// names the CA but does not verify.
func TestWriteCRL(t *testing.T) {
	dir := t.TempDir()
	withSign, err := NewPKI(filepath.Join(dir, "a"), ECDSAP256, "a.test", nil)
	if err != nil {
		t.Fatal(err)
	}
	noSign, err := NewPKIWithCAKeyUsage(filepath.Join(dir, "b"), ECDSAP256, "b.test", nil, x509.KeyUsageCertSign)
	if err != nil {
		t.Fatal(err)
	}
	if noSign.ca.KeyUsage&x509.KeyUsageCRLSign != 0 {
		t.Fatal("CA has cRLSign")
	}
	tests := []struct {
		name   string
		p      *PKI
		format CRLFormat
		forger *PKI
	}{
		{"cRLSign PEM", withSign, CRLPEM, nil},
		{"cRLSign DER", withSign, CRLDER, nil},
		{"no cRLSign PEM", noSign, CRLPEM, nil},
		{"no cRLSign DER", noSign, CRLDER, nil},
		{"forged", noSign, CRLPEM, withSign},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cc, err := tc.p.ClientCert("u")
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, "crl")
			if err := tc.p.WriteCRL(path, CRLSpec{Number: int64(i + 1), Format: tc.format, Revoked: []*ClientCert{cc}, SignedBy: tc.forger}); err != nil {
				t.Fatal(err)
			}
			data, _ := os.ReadFile(path)
			if isPEM := bytes.HasPrefix(data, []byte("-----BEGIN X509 CRL")); isPEM != (tc.format == CRLPEM) {
				t.Fatalf("format: PEM=%v", isPEM)
			}
			if blk, _ := pem.Decode(data); blk != nil {
				data = blk.Bytes
			}
			l, err := x509.ParseRevocationList(data)
			if err != nil {
				t.Fatal(err)
			}
			cert, _ := readCertPEM(cc.Cert)
			if len(l.RevokedCertificateEntries) != 1 || l.RevokedCertificateEntries[0].SerialNumber.Cmp(cert.SerialNumber) != 0 {
				t.Fatal("the list does not name the certificate")
			}
			if !bytes.Equal(l.RawIssuer, tc.p.ca.RawSubject) {
				t.Fatal("the list does not name the CA")
			}
			err = tc.p.ca.CheckSignature(l.SignatureAlgorithm, l.RawTBSRevocationList, l.Signature)
			if (err == nil) != (tc.forger == nil) {
				t.Fatalf("signature check with the CA's key: %v (forged %v)", err, tc.forger != nil)
			}
		})
	}
}
