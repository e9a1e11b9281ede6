package occtl

import (
	"fmt"
	"io"
	"strings"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

// SessionList renders show sessions all|valid; JSON mode prints the
// show session -j array of the listed sessions.
func (r *Renderer) SessionList(w io.Writer, rep *ctlpb.CookieListRep, all bool) {
	if r.JSON {
		r.SessionInfo(w, rep, "", all, false)
		return
	}
	c := r.clock()
	interval := "" // occtl reuses the previous row's buffer when created is 0
	for i, ck := range rep.GetCookies() {
		if !all && ck.GetStatus() != psCompleted {
			continue
		}
		if i == 0 {
			fmt.Fprintf(w, "%s %s %s %s %s %s %s\n", lpad("session", 6), lpad("user", 8),
				lpad("vhost", 8), lpad("ip", 14), lpad("user agent", 24), lpad("created", 8), lpad("status", 8))
		}
		if t := int64(ck.GetCreated()); t > 0 {
			interval = c.since(t)
		}
		fmt.Fprintf(w, "%s %s %s %s %s %s %s\n", shortID(ck.SafeId), lpad(orNone(s(ck.Username)), 8),
			lpad(s(ck.Vhost), 8), lpad(s(ck.RemoteIp), 14), cut(s(ck.UserAgent), 24),
			lpad(interval, 8), lpad(stateText(ck.GetStatus(), true), 8))
	}
}

// SessionInfo renders show session SID (prefix match on the short id when
// match is set) and the JSON of show sessions. It returns true when at
// least one session was printed.
func (r *Renderer) SessionInfo(w io.Writer, rep *ctlpb.CookieListRep, sid string, all, match bool) bool {
	p := r.printer(w)
	c := r.clock()
	if r.JSON {
		p.puts("[\n")
	}
	found := false
	cookies := rep.GetCookies()
	for i, ck := range cookies {
		if !all && ck.GetStatus() != psCompleted && !match {
			continue
		}
		short := shortID(ck.SafeId)
		if match && !strings.HasPrefix(short, sid) {
			continue
		}
		if found {
			p.puts("\n")
		}
		p.startBlock()
		p.value("Session", short, true)
		if r.JSON {
			p.value("Full session", fullID(ck.SafeId), true)
		} else {
			p.value("Full session ID", fullID(ck.SafeId), true)
		}
		var created, expires string
		if t := int64(ck.GetCreated()); t > 0 {
			created = c.date(t)
		}
		if t := int64(ck.GetExpires()); t > 0 {
			expires = c.date(t)
		}
		p.pair("Created", created, "Expires", expires, true)
		p.value("State", stateText(ck.GetStatus(), true), true)
		p.pair("Username", orNone(s(ck.Username)), "Groupname", orNone(s(ck.Groupname)), true)
		p.pair("vhost", s(ck.Vhost), "User-Agent", s(ck.UserAgent), true)
		p.pair("Remote IP", s(ck.RemoteIp), "Location", r.geo(s(ck.RemoteIp)), true)
		if r.JSON {
			p.num("session_is_open", b2u(ck.GetSessionIsOpen()), true)
			p.num("tls_auth_ok", b2u(ck.GetTlsAuthOk()), true)
			p.num("in_use", b2u(ck.GetInUse()), true)
		} else {
			p.pair("In use", tf(ck.GetInUse()), "Activated", tf(ck.GetSessionIsOpen()), true)
			p.value("Certificate auth", tf(ck.GetTlsAuthOk()), true)
		}
		p.endBlock(i < len(cookies)-1)
		found = true
	}
	if r.JSON {
		p.puts("]\n")
	}
	if !found && !r.JSON {
		p.puts("Session ID not found or expired\n")
	}
	return found
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func tf(b bool) string {
	if b {
		return "True"
	}
	return "False"
}
