package rig

import (
	"crypto/x509"
	"encoding/pem"
	"net/netip"
	"os"
	"strings"
	"testing"
)

func TestParseNSName(t *testing.T) {
	for name, want := range map[string]string{
		"ocr00a1d01-srv":  "00a1d01",
		"ocr00a1d01-c0":   "00a1d01",
		"ocr00a1d01-c12":  "00a1d01",
		"ocr00a1d01-c01":  "",
		"ocr00a1d01-cx":   "",
		"ocr00A1d01-srv":  "",
		"ocr0a1d01-srv":   "",
		"vb-123-srv":      "",
		"ocr00a1d01-c100": "",
	} {
		id, ok := parseNSName(name)
		if ok != (want != "") || id != want && ok {
			t.Errorf("parseNSName(%q) = %q, %v; want %q", name, id, ok, want)
		}
	}
}

func TestConfigEdit(t *testing.T) {
	c := &Config{}
	c.Set("a", "1").Add("route", "10.0.0.0/8").Set("b", "2").Add("route", "10.1.0.0/16")
	c.Set("route", "192.168.0.0/16").Set("a", "3").Del("b").Raw("[vhost:x]", "dpd = 5")
	want := "# written by the ocserv-go e2e rig\na = 3\nroute = 192.168.0.0/16\n[vhost:x]\ndpd = 5\n"
	if got := c.String(); got != want {
		t.Errorf("config =\n%s\nwant\n%s", got, want)
	}
	if got := c.Get("route"); len(got) != 1 || got[0] != "192.168.0.0/16" {
		t.Errorf("Get(route) = %v", got)
	}
}

func TestPKI(t *testing.T) {
	for _, kt := range []KeyType{RSA2048, ECDSAP256} {
		dir := t.TempDir()
		ip := netip.MustParseAddr("10.1.2.1")
		p, err := NewPKI(dir, kt, "vpn.example.test", []netip.Addr{ip})
		if err != nil {
			t.Fatal(err)
		}
		roots := x509.NewCertPool()
		roots.AddCert(loadCert(t, p.CACert))
		srv := loadCert(t, p.ServerCert)
		for _, host := range []string{"vpn.example.test", "10.1.2.1"} {
			if _, err := srv.Verify(x509.VerifyOptions{DNSName: host, Roots: roots}); err != nil {
				t.Errorf("key type %d: server cert for %s: %v", kt, host, err)
			}
		}
		if !strings.HasPrefix(p.ServerPin, "pin-sha256:") || p.ServerPin != Pin(srv) {
			t.Errorf("pin %q", p.ServerPin)
		}
		cc, err := p.ClientCert("dave", "admins")
		if err != nil {
			t.Fatal(err)
		}
		cli := loadCert(t, cc.Cert)
		if _, err := cli.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("client cert: %v", err)
		}
		if cli.Subject.CommonName != "dave" || len(cli.Subject.OrganizationalUnit) != 1 {
			t.Errorf("client subject %v", cli.Subject)
		}
		if st, err := os.Stat(cc.Key); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("client key mode: %v %v", st.Mode(), err)
		}
	}
}

func loadCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM", path)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRaceReports(t *testing.T) {
	one := "WARNING: DATA RACE\nRead at 0x1 by goroutine 7:\n  main.f()\n==================\n"
	tests := []struct {
		name string
		log  string
		want int
	}{
		{"clean", "worker: 10.0.0.2 user logged in\n", 0},
		{"one", "a\n==================\n" + one + "b\n", 1},
		{"two", one + "x\n==================\n" + one, 2},
	}
	for _, tt := range tests {
		got := raceReports(tt.log)
		if len(got) != tt.want {
			t.Errorf("%s: %d reports, want %d: %q", tt.name, len(got), tt.want, got)
		}
		for _, r := range got {
			if !strings.HasPrefix(r, raceMarker) {
				t.Errorf("%s: report does not start with the marker: %q", tt.name, r)
			}
		}
	}
}
