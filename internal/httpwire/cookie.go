package httpwire

import (
	"encoding/base64"
	"strings"
)

// SIDLen is the length of a decoded session id / cookie (protocol.md §2.3).
const SIDLen = 32

// Cookie is one name=value pair from a Cookie header.
type Cookie struct {
	Name  string
	Value string
}

// ParseCookies splits a Cookie header value into its ';'-separated pairs,
// with surrounding white space removed. Pairs without '=' are returned with
// an empty value.
func ParseCookies(v string) []Cookie {
	var out []Cookie
	for _, part := range strings.Split(v, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, val, _ := strings.Cut(part, "=")
		out = append(out, Cookie{Name: name, Value: val})
	}
	return out
}

// Cookie returns the value of the first cookie called name in any header
// spelled exactly "Cookie".
func (r *Request) Cookie(name string) (string, bool) {
	for _, h := range r.Headers {
		if h.Name != "Cookie" {
			continue
		}
		for _, c := range ParseCookies(h.Value) {
			if c.Name == name {
				return c.Value, true
			}
		}
	}
	return "", false
}

// Session holds the two ocserv cookies a request may carry.
type Session struct {
	// Cookie is the decoded "webvpn" session cookie; HasCookie is set when
	// a well-formed one was present.
	Cookie    [SIDLen]byte
	HasCookie bool
	// SID is the decoded "webvpncontext" auth session id; HasSID likewise.
	SID    [SIDLen]byte
	HasSID bool
}

// SessionCookies extracts webvpn= and webvpncontext= from the request's
// Cookie headers the way ocserv's worker does: pairs split on ';', leading
// and trailing white space ignored, names matched case-sensitively as
// prefixes "webvpn=" and "webvpncontext=", values standard base64 that
// must decode to exactly 32 bytes. A later undecodable value clears an
// earlier good one; a webvpn value whose length cannot possibly be 32 bytes
// stops the parsing of that header (as ocserv does).
func (r *Request) SessionCookies() Session {
	var s Session
	for _, h := range r.Headers {
		if h.Name != "Cookie" {
			continue
		}
		s.parse(h.Value)
	}
	return s
}

func (s *Session) parse(v string) {
	for _, tok := range strings.Split(v, ";") {
		if tok == "" {
			continue
		}
		p := strings.TrimLeft(tok, " \t\r\n\v\f")
		switch {
		case strings.HasPrefix(p, "webvpn="):
			val := trimRightSpace(p[len("webvpn="):])
			if n := len(val) * 3 / 4; n < SIDLen || n > SIDLen+8 {
				return
			}
			b, ok := DecodeSID(val)
			s.HasCookie = ok
			if ok {
				s.Cookie = b
			}
		case strings.HasPrefix(p, "webvpncontext="):
			b, ok := DecodeSID(trimRightSpace(p[len("webvpncontext="):]))
			s.HasSID = ok
			if ok {
				s.SID = b
			}
		}
	}
}

func trimRightSpace(s string) string {
	for len(s) > 1 && strings.IndexByte(" \t\r\n\v\f", s[len(s)-1]) >= 0 {
		s = s[:len(s)-1]
	}
	return s
}

// DecodeSID decodes a base64 (standard alphabet, padded) cookie value that
// must hold exactly 32 bytes.
func DecodeSID(v string) ([SIDLen]byte, bool) {
	var out [SIDLen]byte
	b, err := base64.StdEncoding.DecodeString(v)
	if err != nil || len(b) != SIDLen {
		return out, false
	}
	copy(out[:], b)
	return out, true
}

// EncodeSID is the inverse of DecodeSID: the 44-character form sent in
// Set-Cookie.
func EncodeSID(sid [SIDLen]byte) string {
	return base64.StdEncoding.EncodeToString(sid[:])
}
