package secmod

import (
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/auth/radius"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/lease"
)

func failedSession() *ipcpb.SecmSessionReply {
	return &ipcpb.SecmSessionReply{Reply: ipcpb.AuthRep_AUTH_FAILED.Enum()}
}

// sessionOpen handles CMD_SECM_SESSION_OPEN (handle_sec_auth_session_open).
func (s *Server) sessionOpen(req *ipcpb.SecmSessionOpen) *ipcpb.SecmSessionReply {
	if len(req.GetSid()) != SIDSize {
		s.log.Errorf("auth session open but with illegal sid size (%d)!", len(req.GetSid()))
		return failedSession()
	}
	e := s.store.find(req.GetSid())
	if e == nil {
		s.log.Infof("session open but with non-existing SID: %s!", base64.StdEncoding.EncodeToString(req.GetSid()))
		return failedSession()
	}
	now := s.now()
	cfg := s.config()

	s.store.mu.Lock()
	status, user, group, vname := e.status, e.username, e.groupname, e.vhost
	inUse, exptime, firstOpen := e.inUse, e.exptime, e.firstOpen
	s.store.mu.Unlock()

	if status != StatusCompleted {
		s.log.Errorf("session open received in unauthenticated client %s (session: %s)!", user, e.psid())
		return failedSession()
	}
	if inUse == 0 && expired(now, exptime) {
		s.log.Errorf("session expired; denied session for user '%s' (session: %s)", user, e.psid())
		s.store.mu.Lock()
		e.status = StatusFailed
		s.store.mu.Unlock()
		return failedSession()
	}
	v := cfg.FindVhost(vname)
	ss, err := config.SessionConfig(v, user, group, s.log.Infof)
	if err != nil {
		s.log.Errorf("error reading additional configuration for '%s' (session: %s): %v", user, e.psid(), err)
		return failedSession()
	}
	if v.SupConfig == config.MethodRadius {
		radiusAccept(e).Apply(ss, v)
	}
	if ss.SessionTimeout > 0 && !firstOpen.IsZero() && !now.Before(firstOpen.Add(time.Duration(ss.SessionTimeout)*time.Second)) {
		s.log.Infof("session timeout reached; denied session for user '%s' (session: %s)", user, e.psid())
		return failedSession()
	}

	s.store.mu.Lock()
	opened := e.sessionOpen
	s.store.mu.Unlock()
	if !opened {
		if err := s.acctOpen(v, user); err != nil {
			s.store.mu.Lock()
			e.status = StatusFailed
			s.store.mu.Unlock()
			s.log.Infof("denied session for user '%s' (session: %s)", user, e.psid())
			return failedSession()
		}
	}

	var seed lease.Seed
	if v.PredictableIPs {
		seed = lease.PredictableSeed(user)
	} else {
		seed = lease.RandomSeed()
	}

	gc := groupConfig(ss)
	s.store.mu.Lock()
	s.store.releaseLocked(e) // a new worker takes the session (owner.go)
	e.ipv4, e.ipv6 = "", ""  // this connection's leases: from main, or checked worker reports
	e.pool4, e.pool6 = sessionPools(v, gc)
	setAddrsLocked(e, req.Ipv4, req.Ipv6)
	rep := &ipcpb.SecmSessionReply{
		Reply:          ipcpb.AuthRep_AUTH_OK.Enum(),
		Config:         gc,
		Username:       proto.String(e.username),
		Groupname:      proto.String(e.groupname),
		Ip:             proto.String(e.remoteIP),
		Ipv4Seed:       proto.Uint32(binary.LittleEndian.Uint32(seed[:])),
		Sid:            append([]byte(nil), e.sid[:]...),
		TlsAuthOk:      proto.Bool(e.tlsAuthOK),
		Vhost:          proto.String(e.vhost),
		UserAgent:      proto.String(e.userAgent),
		DevicePlatform: proto.String(e.devPlatform),
		DeviceType:     proto.String(e.devType),
	}
	if e.inUse == 0 {
		e.disconReason = 0
	}
	if e.firstOpen.IsZero() {
		e.firstOpen = now
	}
	e.sessionOpen = true
	if !opened {
		s.acctEventLocked(e, radius.StatusStart)
	}
	e.inUse++
	e.exptime = expiry(now, cookieLife(v.CookieTimeout))
	s.store.mu.Unlock()
	s.log.Infof("initiating session for user '%s' (session: %s)", user, e.psid())
	return rep
}

// sessionClose handles CMD_SECM_SESSION_CLOSE (handle_sec_auth_session_close
// and expire_client_entry). The reply carries this session's counters (the
// larger of main's and the worker's reports) and the disconnect reason the
// worker reported.
func (s *Server) sessionClose(req *ipcpb.SecmSessionClose) *ipcpb.CliStats {
	rep := &ipcpb.CliStats{}
	if len(req.GetSid()) != SIDSize {
		s.log.Errorf("auth session close but with illegal sid size (%d)!", len(req.GetSid()))
		return rep
	}
	e := s.store.find(req.GetSid())
	if e == nil {
		s.log.Infof("session close but with non-existing SID: %s", base64.StdEncoding.EncodeToString(req.GetSid()))
		return rep
	}
	now := s.now()
	cfg := s.config()
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if e.status < StatusCompleted {
		s.log.Debugf("session close received in unauthenticated client %s (session: %s)!", e.username, e.psid())
		return rep
	}
	if req.GetUptime() > e.stats.uptime {
		e.stats.uptime = req.GetUptime()
	}
	if req.GetBytesIn() > e.stats.bytesIn {
		e.stats.bytesIn = req.GetBytesIn()
	}
	if req.GetBytesOut() > e.stats.bytesOut {
		e.stats.bytesOut = req.GetBytesOut()
	}
	if req.GetServerDisconnected() {
		e.disconReason = ReasonServerDisconnect
	}
	setAddrsLocked(e, req.Ipv4, req.Ipv6)
	rep.BytesIn = proto.Uint64(e.stats.bytesIn)
	rep.BytesOut = proto.Uint64(e.stats.bytesOut)
	rep.Uptime = proto.Uint32(e.stats.uptime)
	rep.Sid = append([]byte(nil), e.sid[:]...)
	rep.DisconReason = proto.Uint32(e.disconReason)
	rep.SecmodClientEntries = proto.Uint32(uint32(len(s.store.entries)))
	rep.SecmodTlsdbEntries = proto.Uint32(0)

	e.saved.bytesIn += e.stats.bytesIn
	e.saved.bytesOut += e.stats.bytesOut
	e.saved.uptime += e.stats.uptime
	e.stats = stats{}

	if e.inUse > 0 {
		e.inUse--
	}
	if e.inUse > 0 {
		return rep
	}
	v := cfg.FindVhost(e.vhost)
	r := e.disconReason
	switch {
	case !v.PersistentCookies && (r == ReasonUserDisconnect || r == ReasonServerDisconnect || r == ReasonSessionTimeout):
		s.log.Infof("invalidating session of user '%s' (session: %s)", e.username, e.psid())
		s.store.delLocked(e)
	case r == ReasonUserDisconnect:
		if min := expiry(now, AuthSlack); e.exptime.Before(min) {
			e.exptime = min
		}
		s.log.Infof("temporarily closing session for %s (session: %s)", e.username, e.psid())
	default:
		e.exptime = expiry(now, cookieLife(v.CookieTimeout))
		s.log.Infof("temporarily closing session for %s (session: %s)", e.username, e.psid())
	}
	return rep
}

// cliStats handles a worker's CMD_SEC_CLI_STATS (handle_sec_auth_stats_cmd):
// counters only grow; a non-zero discon_reason is kept for the session close.
// Only the session's own worker may report (owner.go). Accounting takes the
// addresses from main (see workerAddrsLocked), not from the report: the
// remote address is always the one main bound into the SEC_AUTH_INIT HMAC.
func (s *Server) cliStats(req *ipcpb.CliStats, from peer) {
	if len(req.GetSid()) != SIDSize {
		s.log.Errorf("auth session stats but with illegal sid size (%d)!", len(req.GetSid()))
		return
	}
	e := s.store.find(req.GetSid())
	if e == nil {
		s.log.Infof("session stats but with non-existing SID")
		return
	}
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	if e.status != StatusCompleted {
		s.log.Errorf("session stats received in unauthenticated client %s (session: %s)!", e.username, e.psid())
		return
	}
	if err := s.store.claimLocked(e, from, false); err != nil {
		s.log.Errorf("session stats from worker %s refused (session: %s): %v", from, e.psid(), err)
		return
	}
	if req.GetBytesIn() > e.stats.bytesIn {
		e.stats.bytesIn = req.GetBytesIn()
	}
	if req.GetBytesOut() > e.stats.bytesOut {
		e.stats.bytesOut = req.GetBytesOut()
	}
	if req.GetUptime() > e.stats.uptime {
		e.stats.uptime = req.GetUptime()
	}
	if r := req.GetDisconReason(); r != 0 && r <= ReasonHealthProbe {
		e.disconReason = r
	}
	workerAddrsLocked(e, req.GetIpv4(), req.GetIpv6())
	if req.GetDisconReason() == 0 {
		s.acctEventLocked(e, radius.StatusInterim) // the final report is followed by Stop's own Interim
	}
}

// setAddrsLocked records the session's leases as main reports them (an
// absent or unparsable address leaves the previous one); the caller holds
// store.mu.
func setAddrsLocked(e *entry, ipv4, ipv6 *string) {
	if a, err := netip.ParseAddr(derefStr(ipv4)); err == nil && a.Is4() {
		e.ipv4 = a.String()
	}
	if a, err := netip.ParseAddr(derefStr(ipv6)); err == nil && a.Is6() && !a.Is4In6() {
		e.ipv6 = a.String()
	}
}

// workerAddrsLocked takes a worker's report of its tunnel addresses only
// where main has not given them (main sends the leases with
// SECM_SESSION_CLOSE, and with SECM_SESSION_OPEN when the session already
// holds them; ocserv's main sends none before its leases exist, and
// RADIUS Interim-Updates carry Framed-IP-Address), and only an address
// inside the pool main leases this session from (the vhost's or the
// per-user/group ipv4-network / ipv6-network, as main's leaseRequest
// picks it): a worker cannot make accounting show an address outside the
// session's pool, nor change one main reported. The caller holds
// store.mu.
func workerAddrsLocked(e *entry, ipv4, ipv6 string) {
	if e.ipv4 == "" && e.pool4.IsValid() {
		if a, err := netip.ParseAddr(ipv4); err == nil && a.Is4() && e.pool4.Contains(a) {
			e.ipv4 = a.String()
		}
	}
	if e.ipv6 == "" && e.pool6.IsValid() {
		if a, err := netip.ParseAddr(ipv6); err == nil && a.Is6() && !a.Is4In6() && e.pool6.Contains(a) {
			e.ipv6 = a.String()
		}
	}
}

// sessionPools are the address pools main leases a session's addresses
// from: the session config's ipv4-network / ipv6-network when set, else the
// vhost's (main's leaseRequest rule). An explicit address is its own
// single-address pool. Unparsable pools are invalid (no worker report is
// taken).
func sessionPools(v *config.Vhost, gc *ipcpb.GroupConfig) (p4, p6 netip.Prefix) {
	if a, err := netip.ParseAddr(gc.GetExplicitIpv4()); err == nil && a.Is4() {
		p4 = netip.PrefixFrom(a, 32)
	} else {
		net4, mask4 := v.IPv4Network, v.IPv4Netmask
		if gc.GetIpv4Net() != "" {
			net4, mask4 = gc.GetIpv4Net(), gc.GetIpv4Netmask()
		}
		if net4 != "" {
			p4, _ = lease.ParseIPv4Pool(net4, mask4)
		}
	}
	if a, err := netip.ParseAddr(gc.GetExplicitIpv6()); err == nil && a.Is6() {
		p6 = netip.PrefixFrom(a, 128)
	} else {
		net6, pfx6 := v.IPv6Network, v.IPv6Prefix
		if gc.GetIpv6Net() != "" {
			net6, pfx6 = gc.GetIpv6Net(), int(gc.GetIpv6Prefix())
		}
		if net6 != "" {
			p6, _ = lease.ParseIPv6Pool(net6, pfx6)
		}
	}
	return p4, p6
}

func derefStr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// listCookies answers CMD_SECM_LIST_COOKIES (occtl show cookies).
func (s *Server) listCookies() *ipcpb.SecmListCookiesReply {
	s.store.mu.Lock()
	defer s.store.mu.Unlock()
	rep := &ipcpb.SecmListCookiesReply{}
	for _, e := range s.store.entries {
		var exp uint64
		if e.inUse == 0 {
			exp = uint64(e.exptime.Unix())
		}
		rep.Cookies = append(rep.Cookies, &ipcpb.CookieInt{
			SafeId:        []byte(e.safeID),
			SessionIsOpen: proto.Bool(e.sessionOpen),
			TlsAuthOk:     proto.Bool(e.tlsAuthOK),
			Created:       proto.Uint64(uint64(e.created.Unix())),
			Username:      proto.String(e.username),
			Groupname:     proto.String(e.groupname),
			UserAgent:     proto.String(e.userAgent),
			RemoteIp:      proto.String(e.remoteIP),
			Expires:       proto.Uint64(exp),
			Status:        proto.Uint32(uint32(e.status)),
			InUse:         proto.Uint32(uint32(e.inUse)),
			Vhost:         proto.String(e.vhost),
		})
	}
	return rep
}
