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
			curves:     []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521},
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
		{in: "LEGACY", min: tls.VersionTLS10, max: tls.VersionTLS13, hasSuite: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}},
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
