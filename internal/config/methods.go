package config

import (
	"fmt"
	"strings"
)

// Method names, as ocserv spells them.
const (
	MethodPAM         = "pam"
	MethodGSSAPI      = "gssapi"
	MethodRadius      = "radius"
	MethodPlain       = "plain"
	MethodCertificate = "certificate"
)

// PlainOptions are the plain[...] sub-options.
type PlainOptions struct {
	Passwd string `json:"passwd,omitempty"`
	OTP    string `json:"otp,omitempty"`
	Legacy bool   `json:"legacy,omitempty"` // plain[/path] form
}

// PAMOptions are the pam[...] sub-options.
type PAMOptions struct {
	GIDMin int `json:"gid_min,omitempty"`
}

// RadiusOptions are the radius[...] sub-options (auth and acct).
type RadiusOptions struct {
	Config        string `json:"config"`
	NASIdentifier string `json:"nas_identifier,omitempty"`
	GroupConfig   bool   `json:"groupconfig,omitempty"`
	Legacy        bool   `json:"legacy,omitempty"`
}

// GSSAPIOptions are the gssapi[...] sub-options.
type GSSAPIOptions struct {
	Keytab              string `json:"keytab,omitempty"`
	RequireLocalUserMap bool   `json:"require_local_user_map"`
	TGTFreshnessTime    int    `json:"tgt_freshness_time,omitempty"`
	GIDMin              int    `json:"gid_min,omitempty"`
}

// Method is one parsed method string of auth, enable-auth or acct.
type Method struct {
	Name   string         `json:"name"` // one of the Method* constants
	Raw    string         `json:"raw"`  // the option value as written
	Plain  *PlainOptions  `json:"plain,omitempty"`
	PAM    *PAMOptions    `json:"pam,omitempty"`
	Radius *RadiusOptions `json:"radius,omitempty"`
	GSSAPI *GSSAPIOptions `json:"gssapi,omitempty"`
}

// IsPassword reports whether the method asks for a username and password.
func (m Method) IsPassword() bool {
	return m.Name == MethodPlain || m.Name == MethodPAM || m.Name == MethodRadius
}

// hasModule reports whether the method is backed by an auth module
// (everything but certificate).
func (m Method) hasModule() bool { return m.Name != MethodCertificate }

// AuthMethod is one enabled authentication alternative. Vhost.Auth[0] is
// the primary one, built from every auth line (AND-combined, e.g.
// "plain+certificate"); the others come from enable-auth, one each.
type AuthMethod struct {
	Name    string   `json:"name"`
	Methods []Method `json:"methods"`
}

// Has reports whether the alternative includes the named method.
func (a AuthMethod) Has(name string) bool {
	for _, m := range a.Methods {
		if m.Name == name {
			return true
		}
	}
	return false
}

// Module returns the module-backed method of the alternative, if any.
func (a AuthMethod) Module() *Method {
	for i := range a.Methods {
		if a.Methods[i].hasModule() {
			return &a.Methods[i]
		}
	}
	return nil
}

func (a AuthMethod) isPassword() bool {
	for _, m := range a.Methods {
		if m.IsPassword() {
			return true
		}
	}
	return false
}

// fatal is an error whose text ocserv prints as is, then exits 1.
type fatal struct{ msg string }

func (f *fatal) Error() string { return f.msg }

func fatalf(format string, a ...any) error { return &fatal{fmt.Sprintf(format, a...)} }

type subVal struct{ name, value string }

// expandBrackets is ocserv's expand_brackets_string: key=value pairs
// between '[' and ']', ',' separated, at most 5.
func expandBrackets(str string) ([]subVal, error) {
	b := strings.IndexByte(str, '[')
	if b < 0 {
		return nil, nil
	}
	p := b + 1
	for p < len(str) && isCSpace(str[p]) {
		p++
	}
	var out []subVal
	for finish := false; !finish && len(out) < 5; {
		eq := strings.IndexByte(str[p:], '=')
		if eq < 0 {
			return nil, fatalf("error parsing %s", str)
		}
		eq += p
		nameLen := eq - p
		v := eq + 1
		for v < len(str) && isCSpace(str[v]) {
			v++
		}
		end := strings.IndexByte(str[v:], ',')
		if end < 0 {
			end = strings.IndexByte(str[v:], ']')
			if end < 0 {
				return nil, fatalf("error parsing %s", str)
			}
			finish = true
		}
		end += v
		for nameLen > 0 && isCSpace(str[p+nameLen-1]) {
			nameLen--
		}
		vlen := end - v
		for vlen > 0 && isCSpace(str[v+vlen-1]) {
			vlen--
		}
		out = append(out, subVal{str[p : p+nameLen], str[v : v+vlen]})
		p = v + vlen
		for p < len(str) && (isCSpace(str[p]) || str[p] == ',') {
			p++
		}
	}
	return out, nil
}

// bracketsString1 is get_brackets_string1: the text after '[' (leading
// spaces skipped) up to the first ',' or ']'. ok is false when there is no
// '['.
func bracketsString1(str string) (string, bool, error) {
	b := strings.IndexByte(str, '[')
	if b < 0 {
		return "", false, nil
	}
	p := b + 1
	for p < len(str) && isCSpace(str[p]) {
		p++
	}
	e := strings.IndexByte(str[p:], ',')
	if e < 0 {
		e = strings.IndexByte(str[p:], ']')
		if e < 0 {
			return "", false, fatalf("error parsing %s", str)
		}
	}
	return str[p : p+e], true, nil
}

func isLegacyBracket(s string) bool {
	return len(s) >= 2 && s[0] == '[' && (s[1] == '/' || s[1] == '.')
}

// parseMethodOptions fills m's sub-options from rest (the text after the
// method name). It returns the messages ocserv prints on stderr that are
// not errors (legacy-format notices) through info.
func parseMethodOptions(m *Method, rest string, info func(string)) error {
	switch m.Name {
	case MethodPlain:
		o := &PlainOptions{}
		m.Plain = o
		set := false
		if isLegacyBracket(rest) {
			info("Parsing plain auth method subconfig using legacy format")
			s, _, err := bracketsString1(rest)
			if err != nil {
				return err
			}
			o.Passwd, o.Legacy, set = s, true, true
		} else {
			vals, err := expandBrackets(rest)
			if err != nil {
				return err
			}
			for _, v := range vals {
				switch {
				case asciiEqualFold(v.name, "passwd"):
					o.Passwd, set = v.value, true
				case asciiEqualFold(v.name, "otp"):
					o.OTP, set = v.value, true
				default:
					return fatalf("unknown option '%s'", v.name)
				}
			}
		}
		if !set {
			return fatalf("plain: no password or OTP file specified")
		}
	case MethodPAM:
		o := &PAMOptions{}
		m.PAM = o
		vals, err := expandBrackets(rest)
		if err != nil {
			return err
		}
		for _, v := range vals {
			if !asciiEqualFold(v.name, "gid-min") {
				return fatalf("unknown option '%s'", v.name)
			}
			o.GIDMin = atoi(v.value)
			if o.GIDMin < 0 {
				return fatalf("error in gid-min value: %d", o.GIDMin)
			}
		}
	case MethodGSSAPI:
		o := &GSSAPIOptions{RequireLocalUserMap: true}
		m.GSSAPI = o
		vals, err := expandBrackets(rest)
		if err != nil {
			return err
		}
		for _, v := range vals {
			switch {
			case asciiEqualFold(v.name, "keytab"):
				o.Keytab = v.value
			case asciiEqualFold(v.name, "require-local-user-map"):
				o.RequireLocalUserMap = isTrue(v.value)
			case asciiEqualFold(v.name, "tgt-freshness-time"):
				o.TGTFreshnessTime = atoi(v.value)
				if o.TGTFreshnessTime == 0 {
					return fatalf("Invalid value for '%s': %s", v.name, v.value)
				}
			case asciiEqualFold(v.name, "gid-min"):
				o.GIDMin = atoi(v.value)
				if o.GIDMin < 0 {
					return fatalf("error in gid-min value: %d", o.GIDMin)
				}
			default:
				return fatalf("unknown option '%s'", v.name)
			}
		}
	case MethodRadius:
		o := &RadiusOptions{}
		m.Radius = o
		set := false
		if isLegacyBracket(rest) {
			info("Parsing radius auth method subconfig using legacy format")
			s, _, err := bracketsString1(rest)
			if err != nil {
				return err
			}
			o.Config, o.Legacy, set = s, true, true
			if c := strings.IndexByte(rest[1:], ','); c >= 0 {
				// ocserv 1.1.6 aborts (SIGABRT) here; we refuse cleanly.
				return fatalf("error: the legacy radius[%s,...] syntax is not supported (ocserv 1.1.6 aborts on it); use radius[config=%s,groupconfig=true]", s, s)
			}
		} else {
			vals, err := expandBrackets(rest)
			if err != nil {
				return err
			}
			for _, v := range vals {
				switch {
				case asciiEqualFold(v.name, "config"):
					o.Config, set = v.value, true
				case asciiEqualFold(v.name, "nas-identifier"):
					o.NASIdentifier = v.value
				case asciiEqualFold(v.name, "groupconfig"):
					if isTrue(v.value) {
						o.GroupConfig = true
					}
				default:
					return fatalf("unknown option '%s'", v.name)
				}
			}
		}
		if !set {
			return fatalf("No radius configuration specified: %s", rest)
		}
	}
	return nil
}

var authMethodNames = []string{MethodPAM, MethodGSSAPI, MethodRadius, MethodPlain, MethodCertificate}
var acctMethodNames = []string{MethodRadius, MethodPAM}

func matchMethod(s string, names []string) (string, bool) {
	for _, n := range names {
		if hasPrefixFold(s, n) {
			return n, true
		}
	}
	return "", false
}

// ParseMethod parses a single method string (one auth or enable-auth value)
// on its own, without the combination rules. It is meant for tools and
// tests; Load applies the full rules.
func ParseMethod(s string) (Method, error) {
	name, ok := matchMethod(s, authMethodNames)
	if !ok {
		return Method{}, fmt.Errorf("unknown or unsupported auth method: %s", s)
	}
	m := Method{Name: name, Raw: s}
	if err := parseMethodOptions(&m, s[len(name):], func(string) {}); err != nil {
		return Method{}, err
	}
	return m, nil
}
