package authxml

import (
	"strings"
)

// Client is the client family derived from the User-Agent header; it
// selects the document flavour.
type Client int

const (
	ClientUnknown       Client = iota
	ClientOpenConnectV3        // "Open AnyConnect VPN Agent v<=3": no <config-auth> wrapper
	ClientOpenConnect          // openconnect v4+ ("Open AnyConnect VPN Agent v9.01", "OpenConnect VPN Agent")
	ClientAnyConnect           // Cisco AnyConnect
)

// String names the client family.
func (c Client) String() string {
	switch c {
	case ClientOpenConnectV3:
		return "openconnect-v3"
	case ClientOpenConnect:
		return "openconnect"
	case ClientAnyConnect:
		return "anyconnect"
	}
	return "unknown"
}

// MaxName is how many bytes ocserv keeps of a name the client sends: the
// user name, group name, hostname, user agent, device type and platform
// all go into 64-byte C buffers (MAX_USERNAME_SIZE, MAX_GROUPNAME_SIZE,
// MAX_HOSTNAME_SIZE, MAX_AGENT_NAME, MAX_DEVICE_*), NUL included.
const MaxName = 63

// MaxUserAgent is how much of the User-Agent ocserv keeps.
const MaxUserAgent = MaxName

// TruncName cuts s to MaxName bytes, as ocserv's strlcpy into its buffers
// does (possibly inside a UTF-8 sequence; the log escapes what is left).
func TruncName(s string) string {
	if len(s) > MaxName {
		return s[:MaxName]
	}
	return s
}

func hasPrefixFold(s, p string) bool {
	return len(s) >= len(p) && strings.EqualFold(s[:len(p)], p)
}

// ClassifyUserAgent classifies ua as ocserv does (prefix comparisons are
// case-insensitive; the value is first truncated to 63 bytes). ios is set
// for "Cisco AnyConnect VPN Agent for Apple".
func ClassifyUserAgent(ua string) (c Client, ios bool) {
	if len(ua) > MaxUserAgent {
		ua = ua[:MaxUserAgent]
	}
	const ocPrefix = "Open AnyConnect VPN Agent v"
	switch {
	case hasPrefixFold(ua, ocPrefix):
		v := ua[len(ocPrefix):]
		n, i := 0, 0
		for ; i < len(v) && v[i] >= '0' && v[i] <= '9' && n < 1000; i++ {
			n = n*10 + int(v[i]-'0')
		}
		if i > 0 && n <= 3 {
			return ClientOpenConnectV3, false
		}
		return ClientOpenConnect, false
	case hasPrefixFold(ua, "OpenConnect VPN Agent"):
		return ClientOpenConnect, false
	case hasPrefixFold(ua, "Cisco AnyConnect VPN Agent for Apple"):
		return ClientAnyConnect, true
	case hasPrefixFold(ua, "Cisco AnyConnect"), hasPrefixFold(ua, "AnyConnect"):
		return ClientAnyConnect, false
	}
	return ClientUnknown, false
}
