package worker

import (
	"errors"
	"fmt"
	"github.com/ocserv-go/ocserv/internal/config"
	"io"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ocserv-go/ocserv/internal/authxml"
	"github.com/ocserv-go/ocserv/internal/cstp"
	"github.com/ocserv-go/ocserv/internal/httpwire"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/tundev"
	"github.com/ocserv-go/ocserv/internal/version"
)

// cookieTimeout bounds the wait for main's AUTH_COOKIE_REP (main runs the
// connect-script meanwhile).
const cookieTimeout = 120 * time.Second

// connect handles CONNECT (protocol.md §4.1): cookie → main → tunnel.
func (w *worker) connect(r *httpwire.Request) (*session, error) {
	sc := r.SessionCookies()
	if !sc.HasCookie {
		w.log.Infof("no cookie sent with CONNECT")
		return nil, w.serviceUnavailable("")
	}
	req := &ipcpb.AuthCookieRequest{Cookie: sc.Cookie[:]}
	if w.hostname != "" {
		req.Hostname = ptr(w.hostname)
	}
	if err := ipc.Send(w.p.Cmd, ipc.AuthCookieReq, req, -1); err != nil {
		return nil, fmt.Errorf("worker: sending AUTH_COOKIE_REQ: %w", err)
	}
	fr, err := ipc.Recv(w.p.Cmd, ipc.MaxMsgSize, cookieTimeout)
	if err != nil {
		return nil, fmt.Errorf("worker: waiting for AUTH_COOKIE_REP: %w", err)
	}
	defer fr.Close()
	var rep ipcpb.AuthCookieReply
	if fr.Cmd != ipc.AuthCookieRep {
		return nil, fmt.Errorf("worker: expected AUTH_COOKIE_REP, got %s", fr.Cmd)
	}
	if err := fr.Unmarshal(&rep); err != nil {
		return nil, fmt.Errorf("worker: AUTH_COOKIE_REP: %w", err)
	}
	if rep.GetReply() != ipcpb.AuthRep_AUTH_OK || fr.FD < 0 {
		w.log.Infof("cookie not accepted by main")
		if _, err := io.WriteString(w.tlsConn, "HTTP/1.1 401 Cookie is not acceptable\r\n\r\n"); err != nil {
			return nil, fmt.Errorf("worker: sending 401: %w", err)
		}
		return nil, errClose
	}
	if u := rep.GetUserName(); u != "" {
		w.setUsername(u)
	}
	if r.Target != "/CSCOSSLC/tunnel" {
		if err := w.notFound(r); err != nil {
			return nil, err
		}
		return nil, errClose
	}
	v4 := addrOf(rep.GetIpv4())
	v6 := addrOf(rep.GetIpv6())
	if !v4.IsValid() && !v6.IsValid() {
		return nil, w.serviceUnavailable("Server configuration error")
	}
	f := fr.File("tun")
	fd, err := dupFD(f)
	if err != nil {
		return nil, err
	}
	tun, err := tundev.NewDevice(fd)
	if err != nil {
		return nil, fmt.Errorf("worker: tun: %w", err)
	}
	s := &session{w: w, rep: &rep, tun: tun, cookie: sc.Cookie, start: time.Now()}
	s.settings(r)
	if s.dataMTU < minDataMTU {
		tun.Close()
		w.log.Infof("peer's MTU headers leave a data MTU of %d (link %d), below %d; refusing the tunnel",
			s.dataMTU, s.linkMTU, minDataMTU)
		return nil, w.serviceUnavailable("MTU too small")
	}
	s.compNegotiate(r)
	resp := s.connectResponse(r, v4, v6, time.Now())
	if w.endAuth != nil && !w.endAuth() {
		tun.Close()
		return nil, errors.New("worker: terminated before the tunnel started")
	}
	setNetPriority(w.p.Conn, s.netPrio, w.log.Debugf)
	// auth-timeout no longer guards the connection: bound the response
	// itself (a client that filled our send queue without reading would
	// otherwise pin the worker here); the tunnel's writes set their own.
	_ = w.tlsConn.SetWriteDeadline(time.Now().Add(cstp.DefaultWriteTimeout))
	if err := w.send(resp); err != nil {
		tun.Close()
		return nil, err
	}
	w.log.Infof("user '%s' of group '%s' connected (tun %s, ipv4 %s, mtu %d)",
		w.auth.username, rep.GetGroupName(), rep.GetVname(), rep.GetIpv4(), s.dataMTU)
	if err := ipc.Send(w.p.Cmd, ipc.CmdTunMTU, &ipcpb.TunMtu{Mtu: ptr(uint32(s.dataMTU))}, -1); err != nil {
		tun.Close()
		return nil, fmt.Errorf("worker: sending CMD_TUN_MTU: %w", err)
	}
	// No cstp_compr here: the real ocserv 1.1.6 reports the compression
	// names to main only once DTLS is up (observed: occtl shows no
	// "CSTP compression" for a --no-dtls client); see dtlsHandshake.
	info := &ipcpb.SessionInfo{TlsCiphersuite: ptr(w.keys.describe(w.tlsConn.ConnectionState())), UserAgent: ptr(w.userAgent)}
	if err := ipc.Send(w.p.Cmd, ipc.CmdSessionInfo, info, -1); err != nil {
		tun.Close()
		return nil, fmt.Errorf("worker: sending CMD_SESSION_INFO: %w", err)
	}
	return s, nil
}

func addrOf(s string) netip.Addr {
	a, err := netip.ParseAddr(s)
	if err != nil || a.IsUnspecified() {
		return netip.Addr{}
	}
	return a
}

// settings resolves the session's effective values: the merged per-user
// configuration from main (complete by contract), falling back to the
// vhost's values for anything unset.
func (s *session) settings(r *httpwire.Request) {
	w, v, gc := s.w, s.w.vhost, s.rep.GetConfig()
	u32 := func(p *uint32, def int) int {
		if p != nil {
			return int(*p)
		}
		return def
	}
	s.dpd = u32(gc.Dpd, v.DPD)
	if w.mobile {
		s.dpd = u32(gc.MobileDpd, v.MobileDPD)
	}
	s.keepalive = u32(gc.Keepalive, v.Keepalive)
	// ocserv 1.1.6 takes the idle timeout (check and header) from the
	// vhost's configuration, never from the per-user/group values
	// (observed: a per-user idle-timeout has no effect).
	s.idle = v.IdleTimeout
	if w.mobile {
		s.idle = v.MobileIdleTimeout
	}
	s.sessionTimeout = u32(gc.SessionTimeoutSecs, v.SessionTimeout)
	s.statsEvery = statsInterval(gc, v)
	s.mtuOpt = u32(gc.Mtu, v.MTU)
	s.subnetPrefix = u32(gc.Ipv6SubnetPrefix, v.IPv6SubnetPrefix)
	s.netPrio = u32(gc.NetPriority, v.NetPriority.Packed())

	// MTU (protocol.md §6.10): link − IP/UDP header − the DTLS crypto
	// overhead of the negotiated mode (0 without DTLS).
	link := s.mtuOpt
	if link <= 0 {
		link = tunMTU(s.rep.GetVname())
	}
	ipOver := 20
	if w.ipv6Peer {
		ipOver = 40
	}
	base, _ := r.Exact("X-CSTP-Base-MTU")
	cstpMTU, _ := r.Exact("X-CSTP-MTU")
	s.linkMTU = clientLinkMTU(base, cstpMTU, link, ipOver)
	s.dataMTU = s.linkMTU - (ipOver + 8) - s.dtlsSetup(r, ipOver)
}

// connectResponse builds "200 CONNECTED" with the headers in ocserv's
// order (protocol.md §4.3); the DTLS block comes from dtlsHeaders.
func (s *session) connectResponse(r *httpwire.Request, v4, v6 netip.Addr, now time.Time) *httpwire.Response {
	w, v, gc := s.w, s.w.vhost, s.rep.GetConfig()
	resp := &httpwire.Response{Status: "HTTP/1.1 200 CONNECTED"}
	add := func(n, val string) { resp.Add(n, val) }

	allow4, allow6 := true, true
	if t, ok := r.Exact("X-CSTP-Address-Type"); ok {
		allow4, allow6 = strings.Contains(t, "IPv4"), strings.Contains(t, "IPv6")
	}
	full6 := false
	if t, ok := r.Exact("X-CSTP-Full-IPv6-Capability"); ok && strings.Contains(t, "true") {
		full6 = true
	}
	if s.dataMTU < 1280 {
		allow6 = false
	}

	add("X-CSTP-Version", "1")
	add("X-CSTP-Server-Name", "ocserv "+version.Compat)
	host := w.hostname
	if h := gc.GetHostname(); h != "" {
		host = h
	}
	if host != "" {
		add("X-CSTP-Hostname", host)
	}
	if s.dpd > 0 {
		add("X-CSTP-DPD", strconv.Itoa(s.dpd))
	}
	if v.DefaultDomain != "" {
		add("X-CSTP-Default-Domain", v.DefaultDomain)
	}
	if v4.IsValid() && allow4 {
		add("X-CSTP-Address", v4.String())
		mask := gc.GetIpv4Netmask()
		if mask == "" {
			mask = v.IPv4Netmask
		}
		if mask != "" {
			add("X-CSTP-Netmask", mask)
		}
	}
	if v6.IsValid() && allow6 && s.subnetPrefix > 0 {
		if full6 {
			add("X-CSTP-Address-IP6", fmt.Sprintf("%s/%d", v6, s.subnetPrefix))
		} else {
			add("X-CSTP-Address", v6.String())
			net := gc.GetIpv6Net()
			if net == "" {
				net = v6.String()
			}
			add("X-CSTP-Netmask", fmt.Sprintf("%s/%d", net, s.subnetPrefix))
		}
	}
	// IPv6 DNS and routes only for full-IPv6 OpenConnect/AnyConnect clients.
	v6cfg := full6 && allow6 && (w.client == authxml.ClientOpenConnect || w.client == authxml.ClientAnyConnect)
	dns := gc.GetDns()
	if gc == nil || len(dns) == 0 && gc.Dns == nil {
		dns = v.DNS
	}
	for _, d := range dns {
		a, err := netip.ParseAddr(d)
		if err == nil && a.Is6() && !a.Is4In6() {
			if !v6cfg {
				continue
			}
			if w.client == authxml.ClientAnyConnect {
				add("X-CSTP-DNS-IP6", d)
				continue
			}
		}
		add("X-CSTP-DNS", d)
	}
	nbns := gc.GetNbns()
	if len(nbns) == 0 {
		nbns = v.NBNS
	}
	for _, n := range nbns {
		if a, err := netip.ParseAddr(n); err == nil && a.Is6() && !v6cfg {
			continue
		}
		add("X-CSTP-NBNS", n)
	}
	splitDNS := gc.GetSplitDns()
	if len(splitDNS) == 0 {
		splitDNS = v.SplitDNS
	}
	for _, d := range splitDNS {
		add("X-CSTP-Split-DNS", d)
	}
	routes := gc.GetRoutes()
	defRoute := len(routes) == 0
	for _, rt := range routes {
		if rt == "default" || rt == "0.0.0.0/0" || rt == "0.0.0.0/0.0.0.0" || rt == "::/0" {
			defRoute = true
		}
	}
	if full6 && w.ios && (len(routes) == 0 || !defRoute) && v6cfg {
		add("X-CSTP-Split-Include-IP6", "2000::/3")
	}
	if !defRoute {
		s.routeHeaders(add, "X-CSTP-Split-Include", routes, v6cfg)
	}
	tunnelAllDNS := v.TunnelAllDNS
	if gc.TunnelAllDns != nil {
		tunnelAllDNS = gc.GetTunnelAllDns() != 0
	}
	add("X-CSTP-Tunnel-All-DNS", strconv.FormatBool(tunnelAllDNS || defRoute))
	add("X-CSTP-Client-Bypass-Protocol", strconv.FormatBool(v.ClientBypassProtocol))
	s.routeHeaders(add, "X-CSTP-Split-Exclude", gc.GetNoRoutes(), v6cfg)
	add("X-CSTP-Keepalive", strconv.Itoa(s.keepalive))
	if s.idle > 0 {
		add("X-CSTP-Idle-Timeout", strconv.Itoa(s.idle))
	} else {
		add("X-CSTP-Idle-Timeout", "none")
	}
	add("X-CSTP-Smartcard-Removal-Disconnect", "true")
	if v.ListenHostIsDyndns {
		add("X-CSTP-DynDNS", "true")
	}
	jitter := rand.IntN(59) - 29
	if v.RekeyTime > 0 {
		add("X-CSTP-Rekey-Time", strconv.Itoa(v.RekeyTime+jitter))
		// crypto/tls cannot renegotiate: "ssl" only where TLS 1.3 key
		// updates stand in for it (pitfalls 14).
		method := "new-tunnel"
		if v.RekeyMethod == "ssl" && w.tlsConn.ConnectionState().Version >= 0x0304 {
			method = "ssl"
		}
		add("X-CSTP-Rekey-Method", method)
	} else {
		add("X-CSTP-Rekey-Method", "none")
	}
	if v.ProxyURL != "" {
		add("X-CSTP-MSIE-Proxy-Pac-URL", s.subst(v.ProxyURL))
	}
	add("X-CSTP-Session-Timeout", strconv.Itoa(s.sessionTimeout))
	remaining := 0
	if s.sessionTimeout > 0 {
		start := time.Unix(int64(w.st.GetSessionStartTime()), 0)
		remaining = max(int(start.Add(time.Duration(s.sessionTimeout)*time.Second).Sub(now)/time.Second), 0)
	}
	add("X-CSTP-Session-Timeout-Remaining", strconv.Itoa(remaining))
	add("X-CSTP-Disconnected-Timeout", "none")
	add("X-CSTP-Keep", "true")
	add("X-CSTP-TCP-Keepalive", "true")
	add("X-CSTP-License", "accept")
	for _, h := range v.CustomHeaders {
		name, val, ok := strings.Cut(s.subst(h), ":")
		if ok {
			add(name, strings.TrimLeft(val, " "))
		}
	}
	s.dtlsHeaders(add, jitter)
	add("X-CSTP-Base-MTU", strconv.Itoa(s.linkMTU))
	add("X-CSTP-MTU", strconv.Itoa(s.dataMTU))
	if v.Banner != "" {
		add("X-CSTP-Banner", v.Banner)
	}
	s.compHeaders(add)
	return resp
}

// routeHeaders emits one header per route; IPv4 routes are in stored
// a.b.c.d/m.m.m.m form already, IPv6 ones go to the -IP6 variant and only
// to full-IPv6 clients.
func (s *session) routeHeaders(add func(string, string), name string, routes []string, v6 bool) {
	for _, rt := range routes {
		if rt == "default" {
			continue
		}
		if strings.Contains(rt, ":") {
			if v6 {
				add(name+"-IP6", rt)
			}
			continue
		}
		add(name, rt)
	}
}

// subst replaces %{U} and %{G} with the user and group names.
func (s *session) subst(t string) string {
	t = strings.ReplaceAll(t, "%{U}", s.w.auth.username)
	return strings.ReplaceAll(t, "%{G}", s.rep.GetGroupName())
}

// statsInterval is how often the worker reports its statistics: the
// session's interim-update interval (a per-user/group stats-report-time,
// or RADIUS Acct-Interim-Interval with groupconfig), else the vhost's
// stats-report-time, as ocserv's worker does.
func statsInterval(gc *ipcpb.GroupConfig, v *config.Vhost) int {
	if gc != nil && gc.InterimUpdateSecs != nil {
		return int(gc.GetInterimUpdateSecs())
	}
	return v.StatsReportTime
}
