package authxml

import (
	"strconv"

	"github.com/ocserv-go/ocserv/internal/httpwire"
)

// ClearedContext is the Set-Cookie value sent with forms before sec-mod
// has assigned a SID.
const ClearedContext = "webvpncontext=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; HttpOnly"

// FormResponse builds the 200 response carrying an auth-request form:
// status, Set-Cookie webvpncontext (cleared when sid is nil, otherwise the
// SID with Max-Age=cookieTimeout), Content-Type, Content-Length,
// X-Transcend-Version. minor is the request's HTTP minor version.
func FormResponse(minor int, sid *[httpwire.SIDLen]byte, cookieTimeout int, form Form) *httpwire.Response {
	r := &httpwire.Response{Status: httpwire.StatusLine(minor, 200, "OK"), Body: form.Bytes()}
	if sid == nil {
		r.Add("Set-Cookie", ClearedContext)
	} else {
		r.Add("Set-Cookie", "webvpncontext="+httpwire.EncodeSID(*sid)+"; Max-Age="+strconv.Itoa(cookieTimeout)+"; Secure; HttpOnly")
	}
	return r.Add("Content-Type", "text/xml").ContentLength().Add("X-Transcend-Version", "1")
}

// SuccessParams are the inputs of the success response.
type SuccessParams struct {
	Minor     int
	SID       [httpwire.SIDLen]byte // sent as webvpncontext
	Cookie    [httpwire.SIDLen]byte // sent as webvpn (in ocserv 1.1.6 equal to SID)
	CertSHA1  string                // uppercase hex SHA-1 of the server certificate DER
	Negotiate string                // GSSAPI: token for "WWW-Authenticate: Negotiate <token>"; empty: no header
	Doc       Success
}

// SuccessResponse builds the 200 response to a completed login, headers in
// ocserv's order: Connection, [WWW-Authenticate], Content-Type,
// Content-Length, X-Transcend-Version, then the webvpncontext, webvpn and
// two webvpnc cookies.
func SuccessResponse(p SuccessParams) *httpwire.Response {
	r := &httpwire.Response{Status: httpwire.StatusLine(p.Minor, 200, "OK"), Body: p.Doc.Bytes()}
	r.Add("Connection", "Keep-Alive")
	if p.Negotiate != "" {
		r.Add("WWW-Authenticate", "Negotiate "+p.Negotiate)
	}
	r.Add("Content-Type", "text/xml").ContentLength().Add("X-Transcend-Version", "1")
	r.Add("Set-Cookie", "webvpncontext="+httpwire.EncodeSID(p.SID)+"; Secure; HttpOnly")
	r.Add("Set-Cookie", "webvpn="+httpwire.EncodeSID(p.Cookie)+"; Secure; HttpOnly")
	r.Add("Set-Cookie", "webvpnc=; expires=Thu, 01 Jan 1970 22:00:00 GMT; path=/; Secure; HttpOnly")
	c := "webvpnc=bu:/&p:t&iu:1/&sh:" + p.CertSHA1
	if pr := p.Doc.Profile; pr != nil {
		c += "&lu:/+CSCOT+/translation-table?textdomain%3DAnyConnect%26type%3Dmanifest&fu:profiles%2F" + pr.File + "&fh:" + pr.SHA1Hex
	}
	return r.Add("Set-Cookie", c+"; path=/; Secure; HttpOnly")
}

// Failure reasons used by ocserv in 401 responses.
const (
	ReasonAuthFailed   = "Authentication failed"
	ReasonNoCert       = "No certificate"
	ReasonBadCert      = "Could not read certificate"
	ReasonNoPassword   = "No password"
	ReasonInternal     = "Internal error"
	ReasonUnauthorized = "Unauthorized"
)

// FailureResponse is "HTTP/1.x 401 <reason>" with "Content-Length: 0"
// (the worker then sends a TLS access_denied alert and exits).
func FailureResponse(minor int, reason string) *httpwire.Response {
	return (&httpwire.Response{Status: httpwire.StatusLine(minor, 401, reason)}).Add("Content-Length", "0")
}

// NegotiateChallenge is the GSSAPI 401: "WWW-Authenticate: Negotiate"
// (plus "X-HTTP-Auth-Support: fallback" when other methods exist) and
// "Content-Length: 0". Header order per protocol.md §3.4 (unverified
// against the real server: no GSSAPI test setup).
func NegotiateChallenge(minor int, fallback bool) *httpwire.Response {
	r := &httpwire.Response{Status: httpwire.StatusLine(minor, 401, ReasonUnauthorized)}
	r.Add("WWW-Authenticate", "Negotiate")
	if fallback {
		r.Add("X-HTTP-Auth-Support", "fallback")
	}
	return r.Add("Content-Length", "0")
}
