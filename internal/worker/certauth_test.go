package worker

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"slices"
	"testing"
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
