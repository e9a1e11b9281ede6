// Package tlsprio translates ocserv's tls-priorities option, a GnuTLS
// priority string, into the crypto/tls settings that can express it.
//
// It runs in the worker process (when it builds the per-vhost tls.Config)
// and may be used by main for `ocserv -t`. It is pure: no I/O.
//
// It stands in for GnuTLS's gnutls_priority_init as called by ocserv's
// src/tlslib.c / src/worker-vpn.c; ocserv has no parser of its own.
//
// # Grammar
//
// The string is a ':'-separated list. The first element is a keyword
// (NORMAL, PERFORMANCE, SECURE128, SECURE, SECURE192, SECURE256, PFS,
// LEGACY, SUITEB128, SUITEB192, NONE, SYSTEM or @NAME). Further elements
// are "+ITEM" / "-ITEM" / "!ITEM" (add / remove / remove) or "%FLAG". An
// unknown keyword, item or flag is an error, as GnuTLS refuses it.
//
// # Mapping onto crypto/tls
//
//	item                            crypto/tls
//	VERS-TLS1.0 … VERS-TLS1.3       MinVersion / MaxVersion (lowest / highest enabled)
//	VERS-ALL, VERS-TLS-ALL          all of TLS 1.0-1.3
//	VERS-SSL3.0, VERS-DTLS*         nothing (Go has no SSL 3.0; DTLS is elsewhere)
//	AES-128-GCM, AES-256-GCM,       TLS 1.0-1.2 CipherSuites: a Go suite is kept when
//	CHACHA20-POLY1305, AES-128-CBC, its cipher, MAC and key exchange are all enabled
//	AES-256-CBC, 3DES-CBC,
//	ARCFOUR-128, CIPHER-ALL
//	SHA1, SHA256, SHA384, AEAD,     (MAC of the suite)
//	MAC-ALL
//	RSA, ECDHE-RSA, ECDHE-ECDSA,    (key exchange of the suite)
//	KX-ALL
//	GROUP-SECP256R1/384R1/521R1,    CurvePreferences (P256, P384, P521, X25519)
//	GROUP-X25519, GROUP-ALL,
//	CURVE-* (same)
//	%SERVER_PRECEDENCE              nothing: crypto/tls always uses its own order
//	%COMPAT, %NO_EXTENSIONS, ...    nothing (recorded in Settings.Flags)
//
// Items GnuTLS knows that Go cannot honour (CAMELLIA, CCM, DHE key
// exchange, X448, FFDHE groups, SIGN-*, COMP-*, CTYPE-*, PSK/SRP/ANON key
// exchanges, the removal of a cipher from TLS 1.3, version gaps) are
// accepted and reported as warnings; the worker logs them. Go's TLS 1.3
// cipher suites are not configurable: TLS 1.3 always offers AES-128-GCM,
// AES-256-GCM and CHACHA20-POLY1305.
//
// Keyword contents follow GnuTLS 3.7 (Debian 12, the build ocserv 1.1.6 is
// linked against). NORMAL enables TLS 1.0-1.3 (Go honours an explicit
// MinVersion of TLS 1.0 on servers); SYSTEM and @NAME (system-wide policy
// files) are taken as NORMAL with a warning.
package tlsprio

import (
	"crypto/tls"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrSyntax is wrapped by every error Parse returns.
var ErrSyntax = errors.New("tlsprio: invalid priority string")

// Settings is the crypto/tls part of a priority string.
type Settings struct {
	MinVersion       uint16
	MaxVersion       uint16
	CipherSuites     []uint16      // TLS 1.0-1.2 suites, in Go's preference order
	CurvePreferences []tls.CurveID // in GnuTLS's order
	// ServerPrecedence is set by %SERVER_PRECEDENCE. crypto/tls always
	// picks by its own preference, so it changes nothing.
	ServerPrecedence bool
	// Flags are the other %FLAGS given, without the '%'.
	Flags []string
}

// Apply copies the settings into c.
func (s *Settings) Apply(c *tls.Config) {
	c.MinVersion = s.MinVersion
	c.MaxVersion = s.MaxVersion
	c.CipherSuites = slices.Clone(s.CipherSuites)
	c.CurvePreferences = slices.Clone(s.CurvePreferences)
}

// state is the set of enabled algorithms while parsing.
type state struct {
	vers    map[uint16]bool
	ciphers map[string]bool
	macs    map[string]bool
	kx      map[string]bool
	groups  []string // ordered
}

var (
	allVersions = []uint16{tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13}
	versionName = map[string]uint16{
		"VERS-TLS1.0": tls.VersionTLS10, "VERS-TLS1.1": tls.VersionTLS11,
		"VERS-TLS1.2": tls.VersionTLS12, "VERS-TLS1.3": tls.VersionTLS13,
	}
	// GnuTLS cipher names; mapped = Go has suites with it.
	cipherNames = map[string]bool{
		"AES-128-GCM": true, "AES-256-GCM": true, "CHACHA20-POLY1305": true,
		"AES-128-CBC": true, "AES-256-CBC": true, "3DES-CBC": true, "ARCFOUR-128": true,
		"AES-128-CCM": false, "AES-256-CCM": false, "AES-128-CCM-8": false, "AES-256-CCM-8": false,
		"CAMELLIA-128-GCM": false, "CAMELLIA-256-GCM": false, "CAMELLIA-128-CBC": false,
		"CAMELLIA-256-CBC": false, "GOST28147-TC26Z-CNT": false, "NULL": false,
		"AES-128-CFB8": false, "AES-256-CFB8": false, "ARCFOUR-40": false, "RC2-40": false, "DES-CBC": false,
	}
	macNames = map[string]bool{
		"SHA1": true, "SHA256": true, "SHA384": true, "AEAD": true,
		"MD5": false, "SHA512": false, "UMAC-96": false, "UMAC-128": false, "GOST28147-TC26Z-IMIT": false,
		"STREEBOG-256": false, "STREEBOG-512": false,
	}
	kxNames = map[string]bool{
		"RSA": true, "ECDHE-RSA": true, "ECDHE-ECDSA": true,
		"DHE-RSA": false, "DHE-DSS": false, "RSA-EXPORT": false, "ANON-DH": false, "ANON-ECDH": false,
		"PSK": false, "DHE-PSK": false, "ECDHE-PSK": false, "RSA-PSK": false, "SRP": false,
		"SRP-RSA": false, "SRP-DSS": false, "VKO-GOST-12": false,
	}
	groupCurve = map[string]tls.CurveID{
		"SECP256R1": tls.CurveP256, "SECP384R1": tls.CurveP384, "SECP521R1": tls.CurveP521, "X25519": tls.X25519,
	}
	groupUnmapped = map[string]bool{
		"X448": true, "SECP192R1": true, "SECP224R1": true, "FFDHE2048": true, "FFDHE3072": true,
		"FFDHE4096": true, "FFDHE6144": true, "FFDHE8192": true, "GC256B": true, "GC512A": true,
		"ED25519": true, "ED448": true,
	}
	flagNames = map[string]bool{
		"SERVER_PRECEDENCE": true, "COMPAT": true, "NO_EXTENSIONS": true, "NO_TICKETS": true,
		"NO_TICKETS_TLS12": true, "NO_ETM": true, "FORCE_ETM": true, "NO_SESSION_HASH": true,
		"FORCE_SESSION_HASH": true, "DUMBFW": true, "NO_EXTENSIONS_TLS13": true,
		"SAFE_RENEGOTIATION": true, "UNSAFE_RENEGOTIATION": true, "PARTIAL_RENEGOTIATION": true,
		"DISABLE_SAFE_RENEGOTIATION": true, "SSL3_RECORD_VERSION": true, "LATEST_RECORD_VERSION": true,
		"VERIFY_ALLOW_SIGN_RSA_MD5": true, "VERIFY_ALLOW_X509_V1_CA_CRT": true, "VERIFY_DISABLE_CRL_CHECKS": true,
		"STATELESS_COMPRESSION": true, "NO_STATUS_REQUEST": true, "ALLOW_SMALL_RECORDS": true,
		"DISABLE_WILDCARDS": true, "NO_SHUFFLE_EXTENSIONS": true, "PROFILE_LOW": true,
		"PROFILE_LEGACY": true, "PROFILE_MEDIUM": true, "PROFILE_HIGH": true, "PROFILE_ULTRA": true,
		"PROFILE_FUTURE": true, "PROFILE_SUITEB128": true, "PROFILE_SUITEB192": true,
	}
)

func setOf(xs ...string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// keyword returns the starting state of a priority keyword.
func keyword(k string) (*state, string, bool) {
	normal := func() *state {
		return &state{
			vers:    map[uint16]bool{tls.VersionTLS10: true, tls.VersionTLS11: true, tls.VersionTLS12: true, tls.VersionTLS13: true},
			ciphers: setOf("AES-256-GCM", "CHACHA20-POLY1305", "AES-256-CCM", "AES-256-CBC", "AES-128-GCM", "AES-128-CCM", "AES-128-CBC"),
			macs:    setOf("SHA1", "AEAD"),
			kx:      setOf("ECDHE-ECDSA", "ECDHE-RSA", "RSA", "DHE-RSA"),
			groups:  []string{"X25519", "SECP256R1", "SECP384R1", "SECP521R1", "X448", "FFDHE2048", "FFDHE3072", "FFDHE4096", "FFDHE6144", "FFDHE8192"},
		}
	}
	switch k {
	case "NORMAL", "PERFORMANCE", "SECURE128", "SECURE":
		return normal(), "", true
	case "PFS":
		s := normal()
		delete(s.kx, "RSA")
		return s, "", true
	case "LEGACY":
		s := normal()
		s.ciphers["3DES-CBC"] = true
		return s, "", true
	case "SECURE192", "SECURE256":
		s := normal()
		s.ciphers = setOf("AES-256-GCM", "CHACHA20-POLY1305", "AES-256-CCM", "AES-256-CBC")
		s.macs = setOf("SHA1", "SHA256", "SHA384", "AEAD")
		s.groups = []string{"SECP384R1", "SECP521R1", "X448", "FFDHE8192"}
		return s, "", true
	case "SUITEB128", "SUITEB192":
		s := &state{
			vers:    map[uint16]bool{tls.VersionTLS12: true},
			ciphers: setOf("AES-256-GCM"),
			macs:    setOf("AEAD"),
			kx:      setOf("ECDHE-ECDSA"),
			groups:  []string{"SECP384R1"},
		}
		if k == "SUITEB128" {
			s.ciphers["AES-128-GCM"] = true
			s.groups = []string{"SECP256R1", "SECP384R1"}
		}
		return s, "", true
	case "NONE":
		return &state{vers: map[uint16]bool{}, ciphers: map[string]bool{}, macs: map[string]bool{}, kx: map[string]bool{}}, "", true
	}
	if k == "SYSTEM" || strings.HasPrefix(k, "@") {
		return normal(), fmt.Sprintf("%s: system-wide GnuTLS policy not available, using NORMAL", k), true
	}
	return nil, "", false
}

// Parse translates the priority string s. Warnings name the items that
// crypto/tls cannot honour; an error (wrapping ErrSyntax) is returned for
// a string GnuTLS would refuse, or one that leaves nothing usable.
func Parse(s string) (Settings, []string, error) {
	var warns []string
	warn := func(format string, a ...any) { warns = append(warns, fmt.Sprintf(format, a...)) }
	items := strings.Split(s, ":")
	first := strings.TrimSpace(items[0])
	st, w, ok := keyword(first)
	if !ok {
		return Settings{}, nil, fmt.Errorf("%w: unknown keyword %q", ErrSyntax, first)
	}
	if w != "" {
		warns = append(warns, w)
	}
	var set Settings
	removed13 := false
	for _, raw := range items[1:] {
		it := strings.TrimSpace(raw)
		if it == "" {
			continue
		}
		if f, ok := strings.CutPrefix(it, "%"); ok {
			if !flagNames[f] {
				return Settings{}, nil, fmt.Errorf("%w: unknown flag %q", ErrSyntax, it)
			}
			if f == "SERVER_PRECEDENCE" {
				set.ServerPrecedence = true
			} else {
				set.Flags = append(set.Flags, f)
			}
			continue
		}
		add := true
		switch it[0] {
		case '+':
		case '-', '!':
			add = false
		default:
			return Settings{}, nil, fmt.Errorf("%w: item %q needs a +, - or ! prefix", ErrSyntax, it)
		}
		name := it[1:]
		switch {
		case name == "VERS-ALL" || name == "VERS-TLS-ALL":
			for _, v := range allVersions {
				st.vers[v] = add
			}
		case versionName[name] != 0:
			st.vers[versionName[name]] = add
		case name == "VERS-SSL3.0" || strings.HasPrefix(name, "VERS-DTLS"):
			if add {
				warn("%s: not supported by crypto/tls, ignored", it)
			}
		case name == "CIPHER-ALL":
			for c, mapped := range cipherNames {
				if mapped && (c != "3DES-CBC" && c != "ARCFOUR-128" || !add) {
					st.ciphers[c] = add
				}
			}
			if !add {
				removed13 = true
			}
		case isKnown(cipherNames, name):
			if !cipherNames[name] {
				if add {
					warn("%s: cipher not available in crypto/tls, ignored", it)
				}
				continue
			}
			st.ciphers[name] = add
			if !add && (name == "AES-128-GCM" || name == "AES-256-GCM" || name == "CHACHA20-POLY1305") {
				removed13 = true
			}
		case name == "MAC-ALL":
			for m, mapped := range macNames {
				if mapped {
					st.macs[m] = add
				}
			}
		case isKnown(macNames, name):
			if !macNames[name] {
				if add {
					warn("%s: MAC not available in crypto/tls, ignored", it)
				}
				continue
			}
			st.macs[name] = add
		case name == "KX-ALL":
			for k, mapped := range kxNames {
				if mapped {
					st.kx[k] = add
				}
			}
		case isKnown(kxNames, name):
			if !kxNames[name] {
				if add {
					warn("%s: key exchange not available in crypto/tls, ignored", it)
				}
				continue
			}
			st.kx[name] = add
		case name == "GROUP-ALL" || name == "CURVE-ALL":
			if add {
				st.groups = []string{"X25519", "SECP256R1", "SECP384R1", "SECP521R1"}
			} else {
				st.groups = nil
			}
		case strings.HasPrefix(name, "GROUP-") || strings.HasPrefix(name, "CURVE-"):
			g := name[strings.IndexByte(name, '-')+1:]
			if _, ok := groupCurve[g]; !ok {
				if !groupUnmapped[g] {
					return Settings{}, nil, fmt.Errorf("%w: unknown group %q", ErrSyntax, it)
				}
				if add {
					warn("%s: group not available in crypto/tls, ignored", it)
				}
				continue
			}
			st.groups = slices.DeleteFunc(st.groups, func(x string) bool { return x == g })
			if add {
				st.groups = append(st.groups, g)
			}
		case strings.HasPrefix(name, "SIGN-") || strings.HasPrefix(name, "COMP-") ||
			strings.HasPrefix(name, "CTYPE-") || name == "SIGN-ALL" || name == "COMP-ALL" || name == "CTYPE-ALL":
			warn("%s: not configurable in crypto/tls, ignored", it)
		default:
			return Settings{}, nil, fmt.Errorf("%w: unknown item %q", ErrSyntax, it)
		}
	}
	if removed13 && st.vers[tls.VersionTLS13] {
		warn("TLS 1.3 cipher suites are not configurable in crypto/tls: AES-GCM and CHACHA20-POLY1305 stay enabled for TLS 1.3")
	}

	// Versions: crypto/tls takes a contiguous range.
	for _, v := range allVersions {
		if st.vers[v] {
			if set.MinVersion == 0 {
				set.MinVersion = v
			}
			set.MaxVersion = v
		}
	}
	if set.MinVersion == 0 {
		return Settings{}, warns, fmt.Errorf("%w: %q enables no TLS version", ErrSyntax, s)
	}
	for _, v := range allVersions {
		if v > set.MinVersion && v < set.MaxVersion && !st.vers[v] {
			warn("TLS version gap cannot be expressed in crypto/tls: %s enabled anyway", tls.VersionName(v))
		}
	}

	// TLS 1.0-1.2 suites.
	if set.MinVersion < tls.VersionTLS13 {
		for _, cs := range goSuites() {
			if st.ciphers[cs.cipher] && st.macs[cs.mac] && st.kx[cs.kx] {
				set.CipherSuites = append(set.CipherSuites, cs.id)
			}
		}
		if len(set.CipherSuites) == 0 {
			if set.MaxVersion < tls.VersionTLS13 {
				return Settings{}, warns, fmt.Errorf("%w: %q leaves no usable cipher suite", ErrSyntax, s)
			}
			warn("no TLS 1.0-1.2 cipher suite left: only TLS 1.3 can be negotiated")
			set.MinVersion = tls.VersionTLS13
			set.CipherSuites = nil
		}
	}
	for _, g := range st.groups {
		if c, ok := groupCurve[g]; ok {
			set.CurvePreferences = append(set.CurvePreferences, c)
		}
	}
	if len(set.CurvePreferences) == 0 {
		warn("no elliptic-curve group left: using crypto/tls defaults")
	}
	return set, warns, nil
}

func isKnown(m map[string]bool, k string) bool {
	_, ok := m[k]
	return ok
}

// suite describes a Go TLS 1.0-1.2 suite in GnuTLS terms.
type suite struct {
	id              uint16
	kx, cipher, mac string
}

// goSuites lists crypto/tls's TLS 1.0-1.2 suites in Go's preference order,
// each described by its GnuTLS key exchange, cipher and MAC names.
func goSuites() []suite {
	return []suite{
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "ECDHE-ECDSA", "AES-128-GCM", "AEAD"},
		{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "ECDHE-RSA", "AES-128-GCM", "AEAD"},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "ECDHE-ECDSA", "AES-256-GCM", "AEAD"},
		{tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "ECDHE-RSA", "AES-256-GCM", "AEAD"},
		{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-ECDSA", "CHACHA20-POLY1305", "AEAD"},
		{tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, "ECDHE-RSA", "CHACHA20-POLY1305", "AEAD"},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, "ECDHE-ECDSA", "AES-128-CBC", "SHA1"},
		{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, "ECDHE-RSA", "AES-128-CBC", "SHA1"},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA, "ECDHE-ECDSA", "AES-256-CBC", "SHA1"},
		{tls.TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA, "ECDHE-RSA", "AES-256-CBC", "SHA1"},
		{tls.TLS_RSA_WITH_AES_128_GCM_SHA256, "RSA", "AES-128-GCM", "AEAD"},
		{tls.TLS_RSA_WITH_AES_256_GCM_SHA384, "RSA", "AES-256-GCM", "AEAD"},
		{tls.TLS_RSA_WITH_AES_128_CBC_SHA, "RSA", "AES-128-CBC", "SHA1"},
		{tls.TLS_RSA_WITH_AES_256_CBC_SHA, "RSA", "AES-256-CBC", "SHA1"},
		{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256, "ECDHE-ECDSA", "AES-128-CBC", "SHA256"},
		{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256, "ECDHE-RSA", "AES-128-CBC", "SHA256"},
		{tls.TLS_RSA_WITH_AES_128_CBC_SHA256, "RSA", "AES-128-CBC", "SHA256"},
		{tls.TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA, "ECDHE-RSA", "3DES-CBC", "SHA1"},
		{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, "RSA", "3DES-CBC", "SHA1"},
		{tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA, "ECDHE-ECDSA", "ARCFOUR-128", "SHA1"},
		{tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA, "ECDHE-RSA", "ARCFOUR-128", "SHA1"},
		{tls.TLS_RSA_WITH_RC4_128_SHA, "RSA", "ARCFOUR-128", "SHA1"},
	}
}
