package tlsprio

import (
	"crypto/tls"
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in         string
		min, max   uint16
		hasSuite   []uint16
		noSuite    []uint16
		curves     []tls.CurveID
		serverPrec bool
		warnSub    string // a warning containing this must appear ("" = no warnings)
	}{
		{in: "NORMAL:%SERVER_PRECEDENCE:%COMPAT", min: tls.VersionTLS10, max: tls.VersionTLS13,
			hasSuite:   []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
			noSuite:    []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256},
			curves:     []tls.CurveID{tls.CurveP256, tls.CurveP384, tls.CurveP521, tls.X25519},
			serverPrec: true},
		{in: "NORMAL:%SERVER_PRECEDENCE:%COMPAT:-VERS-TLS1.3", min: tls.VersionTLS10, max: tls.VersionTLS12, serverPrec: true},
		{in: "NORMAL:%SERVER_PRECEDENCE:%COMPAT:-RSA:-VERS-SSL3.0:-ARCFOUR-128", min: tls.VersionTLS10, max: tls.VersionTLS13,
			hasSuite: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
			noSuite:  []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_CBC_SHA}, serverPrec: true},
		{in: "NORMAL:-VERS-ALL:+VERS-TLS1.2:+VERS-TLS1.3", min: tls.VersionTLS12, max: tls.VersionTLS13},
		{in: "NORMAL:-VERS-TLS1.0:-VERS-TLS1.1", min: tls.VersionTLS12, max: tls.VersionTLS13},
		{in: "SECURE256", min: tls.VersionTLS10, max: tls.VersionTLS13,
			hasSuite: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
			noSuite:  []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
			curves:   []tls.CurveID{tls.CurveP384, tls.CurveP521}},
		{in: "PFS", min: tls.VersionTLS10, max: tls.VersionTLS13, noSuite: []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}},
		{in: "NORMAL:-CIPHER-ALL:+AES-256-GCM", min: tls.VersionTLS10, max: tls.VersionTLS13,
			hasSuite: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384},
			noSuite:  []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}, warnSub: "TLS 1.3 cipher suites"},
		{in: "NORMAL:-GROUP-ALL:+GROUP-SECP384R1:+GROUP-X25519", min: tls.VersionTLS10, max: tls.VersionTLS13,
			curves: []tls.CurveID{tls.CurveP384, tls.X25519}},
		{in: "NORMAL:+CAMELLIA-128-GCM", min: tls.VersionTLS10, max: tls.VersionTLS13, warnSub: "CAMELLIA-128-GCM"},
		{in: "NORMAL:+SIGN-RSA-SHA256", min: tls.VersionTLS10, max: tls.VersionTLS13, warnSub: "SIGN-RSA-SHA256"},
		{in: "NORMAL:-VERS-TLS1.1", min: tls.VersionTLS10, max: tls.VersionTLS13, warnSub: "gap"},
		// GnuTLS 3.7.9's LEGACY has NORMAL's ciphers (no 3DES-CBC).
		{in: "LEGACY", min: tls.VersionTLS10, max: tls.VersionTLS13, noSuite: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
		{in: "NORMAL:+3DES-CBC", min: tls.VersionTLS10, max: tls.VersionTLS13, hasSuite: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
		{in: "NONE:+VERS-TLS1.3:+AES-128-GCM:+AEAD:+ECDHE-RSA:+GROUP-X25519", min: tls.VersionTLS13, max: tls.VersionTLS13,
			curves: []tls.CurveID{tls.X25519}},
		{in: "SYSTEM", min: tls.VersionTLS10, max: tls.VersionTLS13, warnSub: "NORMAL"},
		{in: "SUITEB128", min: tls.VersionTLS12, max: tls.VersionTLS12,
			hasSuite: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
			noSuite:  []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			s, warns, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if s.MinVersion != tc.min || s.MaxVersion != tc.max {
				t.Errorf("versions %x-%x, want %x-%x", s.MinVersion, s.MaxVersion, tc.min, tc.max)
			}
			for _, id := range tc.hasSuite {
				if !slices.Contains(s.CipherSuites, id) {
					t.Errorf("missing suite %s", tls.CipherSuiteName(id))
				}
			}
			for _, id := range tc.noSuite {
				if slices.Contains(s.CipherSuites, id) {
					t.Errorf("unexpected suite %s", tls.CipherSuiteName(id))
				}
			}
			if tc.curves != nil && !slices.Equal(s.CurvePreferences, tc.curves) {
				t.Errorf("curves %v, want %v", s.CurvePreferences, tc.curves)
			}
			if s.ServerPrecedence != tc.serverPrec {
				t.Errorf("server precedence %v", s.ServerPrecedence)
			}
			if tc.warnSub == "" && len(warns) != 0 {
				t.Errorf("unexpected warnings %q", warns)
			}
			if tc.warnSub != "" && !slices.ContainsFunc(warns, func(w string) bool { return strings.Contains(w, tc.warnSub) }) {
				t.Errorf("warnings %q lack %q", warns, tc.warnSub)
			}
			var c tls.Config
			s.Apply(&c)
			if c.MinVersion != s.MinVersion || len(c.CipherSuites) != len(s.CipherSuites) {
				t.Error("Apply did not copy")
			}
		})
	}
}

// TestOrder checks Order against `gnutls-cli -l --priority P` (GnuTLS
// 3.7.9), restricted to the suites crypto/tls has.
func TestOrder(t *testing.T) {
	tests := map[string][]uint16{
		"NORMAL:%SERVER_PRECEDENCE:%COMPAT": {
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
			tls.TLS_RSA_WITH_AES_256_GCM_SHA384, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
			tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_128_CBC_SHA,
		},
		"NORMAL:-CIPHER-ALL:+AES-128-GCM:+AES-256-GCM:-KX-ALL:+ECDHE-RSA": {
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		},
		"NORMAL:-AES-256-GCM:+AES-256-GCM:-KX-ALL:+RSA:+SHA256": {
			tls.TLS_RSA_WITH_AES_256_CBC_SHA, tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
		},
		"PERFORMANCE:-KX-ALL:+ECDHE-RSA:+RSA": {
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
			tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA,
			tls.TLS_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_256_CBC_SHA,
		},
	}
	for in, want := range tests {
		s, _, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(s.Order, want) {
			t.Errorf("%s: order\n%v\nwant\n%v", in, names(s.Order), names(want))
		}
	}
}

func names(ids []uint16) []string {
	var n []string
	for _, id := range ids {
		n = append(n, tls.CipherSuiteName(id))
	}
	return n
}

// TestPreferred checks the choice against what the real ocserv 1.1.6
// (GnuTLS 3.7.9, "NORMAL:%SERVER_PRECEDENCE:%COMPAT", RSA certificate)
// negotiated with gnutls-cli clients (tests/e2e/tls_cipher_test.go).
func TestPreferred(t *testing.T) {
	s, _, err := Parse("NORMAL:%SERVER_PRECEDENCE:%COMPAT")
	if err != nil {
		t.Fatal(err)
	}
	rsaCert := func(id uint16) bool { return !strings.Contains(tls.CipherSuiteName(id), "ECDSA") }
	all := []uint16{}
	for _, cs := range tls.CipherSuites() {
		all = append(all, cs.ID)
	}
	const (
		ecGCM128  = tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
		ecGCM256  = tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
		ecChacha  = tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
		ecCBC128  = tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
		ecCBC256  = tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
		rsaGCM128 = tls.TLS_RSA_WITH_AES_128_GCM_SHA256
		rsaGCM256 = tls.TLS_RSA_WITH_AES_256_GCM_SHA384
		rsaCBC128 = tls.TLS_RSA_WITH_AES_128_CBC_SHA
		rsaCBC256 = tls.TLS_RSA_WITH_AES_256_CBC_SHA
	)
	tests := []struct {
		name    string
		offered []uint16
		version uint16
		want    uint16
	}{
		{"all", all, tls.VersionTLS12, ecGCM256},
		{"aes128gcm", []uint16{ecGCM128, rsaGCM128}, tls.VersionTLS12, ecGCM128},
		{"aes128gcm-then-256", []uint16{ecGCM128, ecGCM256}, tls.VersionTLS12, ecGCM256},
		{"chacha-first", []uint16{ecChacha, ecGCM128}, tls.VersionTLS12, ecChacha},
		{"cbc", []uint16{ecCBC128, ecCBC256, rsaCBC128, rsaCBC256}, tls.VersionTLS12, ecCBC256},
		{"rsa-kx", []uint16{rsaGCM128, rsaGCM256, rsaCBC128, rsaCBC256}, tls.VersionTLS12, rsaGCM256},
		{"rsa-kx-cbc", []uint16{rsaCBC128, rsaCBC256}, tls.VersionTLS12, rsaCBC256},
		{"tls1.1", all, tls.VersionTLS11, ecCBC256},
		{"tls1.3", all, tls.VersionTLS13, 0},
		{"none", []uint16{tls.TLS_RSA_WITH_AES_128_CBC_SHA256}, tls.VersionTLS12, 0},
	}
	for _, tc := range tests {
		if got := s.Preferred(tc.offered, tc.version, rsaCert); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, tls.CipherSuiteName(got), tls.CipherSuiteName(tc.want))
		}
	}
	// Without %SERVER_PRECEDENCE the client's order wins.
	c, _, _ := Parse("NORMAL")
	if got := c.Preferred([]uint16{ecGCM128, ecGCM256}, tls.VersionTLS12, nil); got != ecGCM128 {
		t.Errorf("client precedence: %s", tls.CipherSuiteName(got))
	}

	groups := []struct {
		offered []tls.CurveID
		want    tls.CurveID
	}{
		{[]tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384}, tls.CurveP256},
		{[]tls.CurveID{tls.X25519, tls.CurveP384}, tls.CurveP384},
		{[]tls.CurveID{tls.X25519}, tls.X25519},
		{[]tls.CurveID{tls.X25519MLKEM768}, 0},
	}
	for _, g := range groups {
		if got := s.PreferredGroup(g.offered); got != g.want {
			t.Errorf("group of %v: %v, want %v", g.offered, got, g.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{
		"", "BOGUS", "NORMAL:VERS-TLS1.2", "NORMAL:+FOO", "NORMAL:%NOPE", "NORMAL:-VERS-ALL",
		"NONE:+VERS-TLS1.2", "NORMAL:+GROUP-FOO",
	} {
		if _, _, err := Parse(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %v, want ErrSyntax", in, err)
		}
	}
}

// TestSuitesAreGoSuites checks the suite table against crypto/tls.
func TestSuitesAreGoSuites(t *testing.T) {
	known := map[uint16]bool{}
	for _, cs := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		known[cs.ID] = true
	}
	for _, s := range goSuites() {
		if !known[s.id] {
			t.Errorf("suite %#x unknown to crypto/tls", s.id)
		}
		if name := tls.CipherSuiteName(s.id); !strings.Contains(strings.ReplaceAll(name, "_", "-"), strings.TrimPrefix(s.kx, "ECDHE-")) {
			t.Errorf("suite %s described with kx %s", name, s.kx)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"NORMAL:%SERVER_PRECEDENCE:%COMPAT", "NORMAL:-VERS-TLS1.3", "SECURE256:+GROUP-ALL",
		"NONE:+VERS-TLS1.2:+AES-128-GCM:+AEAD:+ECDHE-RSA", "NORMAL::-RSA:!CIPHER-ALL", "@SYSTEM"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		set, _, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not wrap ErrSyntax", err)
			}
			return
		}
		if set.MinVersion == 0 || set.MinVersion > set.MaxVersion {
			t.Fatalf("bad versions %x-%x", set.MinVersion, set.MaxVersion)
		}
		if set.MinVersion < tls.VersionTLS13 && len(set.CipherSuites) == 0 {
			t.Fatal("pre-1.3 versions without suites")
		}
	})
}
