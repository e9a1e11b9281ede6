package secmod

import (
	"fmt"

	"github.com/ocserv-go/ocserv/internal/auth/radius"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// RADIUS hooks of sec-mod: acct = "radius[...]" (Start at a session's first
// open, Interim-Update on each worker stats report, a final Interim and
// Stop when the entry goes away) and groupconfig (the Access-Accept's
// settings replace the per-user/group files).

// buildAcct creates the RADIUS accounting of every vhost that has one.
func buildAcct(cfg *config.Config, log *logx.Logger) (map[string]*radius.Accounting, error) {
	out := map[string]*radius.Accounting{}
	for _, v := range cfg.Vhosts {
		if v.Acct == nil || v.Acct.Name != config.MethodRadius {
			continue
		}
		a, err := radius.NewAccounting(v.Acct.Radius, log.Noticef)
		if err != nil {
			return nil, fmt.Errorf("vhost %s: accounting method %s: %w", v.Name, v.Acct.Name, err)
		}
		out[v.Name] = a
	}
	return out, nil
}

// acctInfoLocked describes e for accounting; the caller holds store.mu.
func acctInfoLocked(e *entry) *radius.AcctInfo {
	return &radius.AcctInfo{
		User: e.username, UserAgent: e.userAgent, OurIP: e.ourIP, RemoteIP: e.remoteIP,
		SessionID: e.safeID, IPv4: e.ipv4, IPv6: e.ipv6,
		BytesIn:      e.saved.bytesIn + e.stats.bytesIn,
		BytesOut:     e.saved.bytesOut + e.stats.bytesOut,
		SessionTime:  e.saved.uptime + e.stats.uptime,
		DisconReason: e.disconReason,
	}
}

// acctEvent sends one accounting event for e (status radius.Status*);
// the caller holds store.mu. Sending is asynchronous.
func (s *Server) acctEventLocked(e *entry, status int) {
	a := s.acct[e.vhost]
	if a == nil || !e.sessionOpen {
		return
	}
	i := acctInfoLocked(e)
	switch status {
	case radius.StatusStart:
		a.Start(i)
	case radius.StatusInterim:
		a.Interim(i)
	case radius.StatusStop:
		a.Stop(i)
	}
}

// radiusAccept returns the Access-Accept settings of e's login, if it was
// a RADIUS login.
func radiusAccept(e *entry) *radius.Accept {
	if rs, ok := e.sess.(*radius.Session); ok {
		return rs.Accepted()
	}
	return nil
}

// finalGroup is the group a module chose once authentication succeeded
// (RADIUS learns it from the Accept's Class).
func finalGroup(e *entry) (string, bool) {
	if rs, ok := e.sess.(*radius.Session); ok {
		return rs.FinalGroup()
	}
	return "", false
}
