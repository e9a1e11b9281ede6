package occtl

import (
	"io"
	"strings"
	"time"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

// Renderer turns control replies into occtl's text or JSON output.
type Renderer struct {
	JSON  bool
	Debug bool // --debug: extra lines in show status
	// Now and Loc fix the clock (dates are local time in occtl).
	Now time.Time
	Loc *time.Location
	// IfStats returns the kernel RX/TX byte counters of a network device
	// as seen from occtl's own namespace; ok=false prints
	// "nl: cannot find DEV" to Stderr and leaves the lines out. Nil means
	// a build without netlink: the lines are left out silently.
	IfStats func(dev string) (rx, tx uint64, ok bool)
	// Geo returns the Location of an address; nil or "" means "unknown".
	Geo    func(ip string) string
	Stderr io.Writer
}

func (r *Renderer) clock() clock {
	loc := r.Loc
	if loc == nil {
		loc = time.Local
	}
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	return clock{now: now, loc: loc}
}

func (r *Renderer) printer(w io.Writer) *printer { return &printer{w: w, json: r.JSON} }

func (r *Renderer) geo(ip string) string {
	if r.Geo != nil {
		if s := r.Geo(ip); s != "" {
			return s
		}
	}
	return "unknown"
}

// s is a reply string as C sees it (up to a NUL).
func s(p *string) string {
	if p == nil {
		return ""
	}
	return cstr(*p)
}

// sn is s for a C "%s" that may get NULL (glibc prints "(null)").
func sn(p *string) string {
	if p == nil {
		return "(null)"
	}
	return cstr(*p)
}

func orNone(v string) string {
	if v == "" {
		return "(none)"
	}
	return v
}

// Session states (PS_AUTH_*).
const (
	psInactive  = 0
	psFailed    = 1
	psInit      = 2
	psCont      = 3
	psCompleted = 4
)

// stateText is ps_status_to_str: cookie=true uses the session wording.
func stateText(st uint32, cookie bool) string {
	switch st {
	case psCompleted:
		if cookie {
			return "authenticated"
		}
		return "connected"
	case psInit, psCont:
		return "authenticating"
	case psInactive:
		return "pre-auth"
	case psFailed:
		return "auth failed"
	}
	return "unknown"
}

// shortID is the first 6 characters of a safe id; fullID the first 28.
func shortID(id []byte) string { return cstr(string(id[:min(len(id), 6)])) }
func fullID(id []byte) string  { return cstr(string(id[:min(len(id), 28)])) }

// vpnIP is the client's VPN IPv4, else its IPv6.
func vpnIP(u *ctlpb.UserInfoRep) string {
	if v := s(u.LocalIp); v != "" {
		return v
	}
	return sn(u.LocalIp6)
}

// dtlsShort is the cipher column of show users: the part after
// "(DTLSx.y)-(RSA)-" / "(DTLSx.y)-(PSK)-", else "(no-dtls)".
func dtlsShort(c string) string {
	if len(c) > 16 && strings.HasPrefix(c, "(DTLS") &&
		(c[8:16] == ")-(RSA)-" || c[8:16] == ")-(PSK)-") {
		return c[16:]
	}
	return "(no-dtls)"
}

func protoName(p uint32) string {
	names := [...]string{"udp", "tcp", "sctp", "esp", "icmp", "icmpv6"}
	if int(p) < len(names) {
		return names[p]
	}
	return "unknown"
}
