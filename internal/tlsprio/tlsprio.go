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
//	%SERVER_PRECEDENCE              Settings.ServerPrecedence (see Choice below)
//	%COMPAT, %NO_EXTENSIONS, ...    nothing (recorded in Settings.Flags)
//
// # Choice of suite and group
//
// crypto/tls picks TLS 1.0-1.2 suites and groups in its own order (it
// ignores the order of Config.CipherSuites and CurvePreferences). GnuTLS
// lists suites key exchange first, then cipher, then MAC, each in the
// priority string's order ("+ITEM" appends, "-ITEM" removes), and with
// %SERVER_PRECEDENCE picks the first of that list the client offered
// (Settings.Order, Settings.Preferred); groups likewise
// (Settings.PreferredGroup). The worker narrows its tls.Config per
// ClientHello to that one suite and group. Observed with the real ocserv
// 1.1.6 (GnuTLS 3.7.9, NORMAL:%SERVER_PRECEDENCE:%COMPAT, RSA
// certificate) and gnutls-cli clients: all suites offered -> ECDHE-RSA
// AES-256-GCM; AES-128-GCM and AES-256-GCM -> AES-256-GCM; CHACHA20 and
// AES-128-GCM -> CHACHA20-POLY1305; AES-128-CBC and AES-256-CBC ->
// AES-256-CBC-SHA1; RSA key exchange only -> RSA AES-256-GCM; TLS 1.1 ->
// ECDHE-RSA AES-256-CBC-SHA1; groups X25519 and SECP384R1 -> SECP384R1
// (NORMAL's group order is SECP256R1, SECP384R1, SECP521R1, X25519).
// For TLS 1.3 GnuTLS picks TLS_AES_256_GCM_SHA384 first; Go picks
// AES-128-GCM (or CHACHA20) and cannot be told otherwise.
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
	// Order is CipherSuites in GnuTLS's order (key exchange, then
	// cipher, then MAC, each in the priority string's order): the order
	// in which a GnuTLS server with %SERVER_PRECEDENCE picks.
	Order []uint16
	// ServerPrecedence is set by %SERVER_PRECEDENCE: Preferred and
	// PreferredGroup then pick in the server's order, else in the
	// client's.
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

// Preferred returns the TLS 1.0-1.2 suite a GnuTLS server with these
// settings picks among the client's offered suites for version: the
// first of Order the client offered (with %SERVER_PRECEDENCE), else the
// first offered suite in Order; suites that need TLS 1.2 (AEAD and
// SHA-256 MACs) are skipped below it. usable (nil = all) lets the caller
// skip suites the certificate or the client's groups rule out. It
// returns 0 for TLS 1.3 and when no suite fits.
func (s *Settings) Preferred(offered []uint16, version uint16, usable func(id uint16) bool) uint16 {
	if version >= tls.VersionTLS13 {
		return 0
	}
	ok := func(id uint16) bool {
		cs, found := suiteByID(id)
		if !found || !slices.Contains(s.Order, id) || !slices.Contains(offered, id) {
			return false
		}
		if version < tls.VersionTLS12 && cs.mac != "SHA1" {
			return false
		}
		return usable == nil || usable(id)
	}
	first := s.Order
	if !s.ServerPrecedence {
		first = offered
	}
	for _, id := range first {
		if ok(id) {
			return id
		}
	}
	return 0
}

// PreferredGroup returns the elliptic-curve group a GnuTLS server picks
// among the client's supported groups (in CurvePreferences' order with
// %SERVER_PRECEDENCE, else in the client's), or 0.
func (s *Settings) PreferredGroup(offered []tls.CurveID) tls.CurveID {
	first, other := s.CurvePreferences, offered
	if !s.ServerPrecedence {
		first, other = offered, s.CurvePreferences
	}
	for _, g := range first {
		if slices.Contains(other, g) {
			return g
		}
	}
	return 0
}

// state is the set of enabled algorithms while parsing. Ciphers, MACs,
// key exchanges and groups are ordered as GnuTLS orders them: the
// keyword's list, "+ITEM" appends an item not yet present, "-ITEM"
// removes it.
type state struct {
	vers    map[uint16]bool
	ciphers []string
	macs    []string
	kx      []string
	groups  []string
}

// The lists "+CIPHER-ALL", "+MAC-ALL", "+KX-ALL" and "+GROUP-ALL" append
// (gnutls-cli -l --priority NONE:+...-ALL, GnuTLS 3.7.9).
var (
	allCiphers = []string{"AES-256-GCM", "CHACHA20-POLY1305", "AES-256-CCM", "AES-256-CBC", "AES-128-GCM", "AES-128-CCM", "AES-128-CBC"}
	allMACs    = []string{"SHA1", "AEAD"}
	allKx      = []string{"ECDHE-ECDSA", "ECDHE-RSA", "RSA", "DHE-RSA"}
	allGroups  = []string{"SECP256R1", "SECP384R1", "SECP521R1", "X25519", "X448", "FFDHE2048", "FFDHE3072", "FFDHE4096", "FFDHE6144", "FFDHE8192"}
)

// addItems appends the items of add missing from list.
func addItems(list []string, add ...string) []string {
	for _, a := range add {
		if !slices.Contains(list, a) {
			list = append(list, a)
		}
	}
	return list
}

// delItems removes the items of del from list.
func delItems(list []string, del ...string) []string {
	return slices.DeleteFunc(list, func(x string) bool { return slices.Contains(del, x) })
}

// setItems adds or removes items.
func setItems(list []string, add bool, items ...string) []string {
	if add {
		return addItems(list, items...)
	}
	return delItems(list, items...)
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

// keyword returns the starting state of a priority keyword. The lists
// and their order are those `gnutls-cli -l --priority KEYWORD` prints
// with GnuTLS 3.7.9.
func keyword(k string) (*state, string, bool) {
	all := map[uint16]bool{tls.VersionTLS10: true, tls.VersionTLS11: true, tls.VersionTLS12: true, tls.VersionTLS13: true}
	normal := func() *state {
		return &state{
			vers:    all,
			ciphers: slices.Clone(allCiphers),
			macs:    slices.Clone(allMACs),
			kx:      slices.Clone(allKx),
			groups:  slices.Clone(allGroups),
		}
	}
	switch k {
	case "NORMAL", "LEGACY":
		return normal(), "", true
	case "PERFORMANCE":
		s := normal()
		s.ciphers = []string{"AES-128-GCM", "AES-256-GCM", "CHACHA20-POLY1305", "AES-128-CCM", "AES-256-CCM", "AES-128-CBC", "AES-256-CBC"}
		s.kx = []string{"RSA", "ECDHE-ECDSA", "ECDHE-RSA", "DHE-RSA"}
		return s, "", true
	case "SECURE128", "SECURE":
		s := normal()
		s.ciphers = []string{"AES-256-GCM", "CHACHA20-POLY1305", "AES-256-CBC", "AES-256-CCM", "AES-128-GCM", "AES-128-CBC", "AES-128-CCM"}
		return s, "", true
	case "PFS":
		s := normal()
		s.kx = delItems(s.kx, "RSA")
		return s, "", true
	case "SECURE192", "SECURE256":
		s := normal()
		s.ciphers = []string{"AES-256-GCM", "CHACHA20-POLY1305", "AES-256-CBC", "AES-256-CCM"}
		s.macs = []string{"AEAD"}
		s.groups = []string{"SECP384R1", "SECP521R1", "FFDHE8192"}
		return s, "", true
	case "SUITEB128", "SUITEB192":
		s := &state{
			vers:    map[uint16]bool{tls.VersionTLS12: true},
			ciphers: []string{"AES-256-GCM"},
			macs:    []string{"AEAD"},
			kx:      []string{"ECDHE-ECDSA"},
			groups:  []string{"SECP384R1"},
		}
		if k == "SUITEB128" {
			s.ciphers = []string{"AES-256-GCM", "AES-128-GCM"}
			s.groups = []string{"SECP256R1", "SECP384R1"}
		}
		return s, "", true
	case "NONE":
		return &state{vers: map[uint16]bool{}}, "", true
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
			st.ciphers = setItems(st.ciphers, add, allCiphers...)
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
			st.ciphers = setItems(st.ciphers, add, name)
			if !add && (name == "AES-128-GCM" || name == "AES-256-GCM" || name == "CHACHA20-POLY1305") {
				removed13 = true
			}
		case name == "MAC-ALL":
			st.macs = setItems(st.macs, add, allMACs...)
		case isKnown(macNames, name):
			if !macNames[name] {
				if add {
					warn("%s: MAC not available in crypto/tls, ignored", it)
				}
				continue
			}
			st.macs = setItems(st.macs, add, name)
		case name == "KX-ALL":
			st.kx = setItems(st.kx, add, allKx...)
		case isKnown(kxNames, name):
			if !kxNames[name] {
				if add {
					warn("%s: key exchange not available in crypto/tls, ignored", it)
				}
				continue
			}
			st.kx = setItems(st.kx, add, name)
		case name == "GROUP-ALL" || name == "CURVE-ALL":
			st.groups = setItems(st.groups, add, allGroups...)
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
			st.groups = setItems(st.groups, add, g)
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
			if slices.Contains(st.ciphers, cs.cipher) && slices.Contains(st.macs, cs.mac) && slices.Contains(st.kx, cs.kx) {
				set.CipherSuites = append(set.CipherSuites, cs.id)
			}
		}
		// GnuTLS's own list: key exchange first, then cipher, then MAC.
		for _, kx := range st.kx {
			for _, c := range st.ciphers {
				for _, m := range st.macs {
					if cs, ok := findSuite(kx, c, m); ok {
						set.Order = append(set.Order, cs.id)
					}
				}
			}
		}
		if len(set.CipherSuites) == 0 {
			if set.MaxVersion < tls.VersionTLS13 {
				return Settings{}, warns, fmt.Errorf("%w: %q leaves no usable cipher suite", ErrSyntax, s)
			}
			warn("no TLS 1.0-1.2 cipher suite left: only TLS 1.3 can be negotiated")
			set.MinVersion = tls.VersionTLS13
			set.CipherSuites = nil
			set.Order = nil
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

// findSuite returns the Go suite with the GnuTLS names kx, cipher, mac.
func findSuite(kx, cipher, mac string) (suite, bool) {
	for _, cs := range goSuites() {
		if cs.kx == kx && cs.cipher == cipher && cs.mac == mac {
			return cs, true
		}
	}
	return suite{}, false
}

// suiteByID returns the Go suite id.
func suiteByID(id uint16) (suite, bool) {
	for _, cs := range goSuites() {
		if cs.id == id {
			return cs, true
		}
	}
	return suite{}, false
}

// goSuites lists crypto/tls's TLS 1.0-1.2 suites in Go's preference order,
// each described by its GnuTLS key exchange, cipher and MAC names.
func goSuites() []suite { return goSuiteTable }

// goSuiteTable is built once: Parse looks suites up in loops, and a
// fresh slice per call was the worker's largest single allocator.
var goSuiteTable = []suite{
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
