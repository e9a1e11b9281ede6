package mainproc

import (
	"os"
	"sort"
	"syscall"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl"
	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/secmod"
)

// ctlAnswer executes a decoded control request and returns the reply
// (for TOP: the initial session list). It never blocks on a client; it may
// wait for sec-mod (LIST_COOKIES).
func (s *server) ctlAnswer(r ctl.Request) (ctl.Cmd, proto.Message) {
	rcmd, _ := ctl.ReplyFor(r.Cmd)
	switch r.Cmd {
	case ctl.CmdStatus:
		s.log.Debugf("ctl: status")
		return rcmd, s.ctlStatus()
	case ctl.CmdReload:
		s.log.Debugf("ctl: reload")
		s.ctl.signal(syscall.SIGHUP)
		return rcmd, boolMsg(true)
	case ctl.CmdStop:
		s.log.Debugf("ctl: stop")
		s.ctl.signal(syscall.SIGTERM)
		return rcmd, boolMsg(true)
	case ctl.CmdList, ctl.CmdTop:
		s.log.Debugf("ctl: list-users")
		return rcmd, s.userList(func(*proc) bool { return true })
	case ctl.CmdUserInfo:
		s.log.Debugf("ctl: user_info '%s'", r.Username)
		return rcmd, s.userList(func(p *proc) bool { return p.username == r.Username })
	case ctl.CmdIDInfo:
		s.log.Debugf("ctl: id_info %d", r.ID)
		return rcmd, s.userList(func(p *proc) bool { return r.ID > 0 && p.pid == int(r.ID) })
	case ctl.CmdDisconnectName:
		s.log.Debugf("ctl: disconnect_name")
		return rcmd, boolMsg(s.ctlDisconnect(func(p *proc) bool { return p.username == r.Username }))
	case ctl.CmdDisconnectID:
		s.log.Debugf("ctl: disconnect_id")
		return rcmd, boolMsg(s.ctlDisconnect(func(p *proc) bool { return r.ID > 0 && p.pid == int(r.ID) }))
	case ctl.CmdListBanned:
		s.log.Debugf("ctl: list-banned-ips")
		return rcmd, s.banList()
	case ctl.CmdUnbanIP:
		s.log.Debugf("ctl: unban-ip")
		ok := false
		if s.bans != nil {
			ok = s.bans.Unban(r.IP)
		}
		return rcmd, boolMsg(ok)
	case ctl.CmdListCookies:
		s.log.Debugf("ctl: list-cookies")
		return rcmd, s.cookieList()
	}
	return rcmd, nil
}

func boolMsg(b bool) *ctlpb.BoolMsg { return &ctlpb.BoolMsg{Status: proto.Bool(b)} }

// ctlStatus is the STATUS reply.
func (s *server) ctlStatus() *ctlpb.StatusRep {
	rep := s.stats.status(s.now())
	rep.Pid = proto.Uint32(uint32(os.Getpid()))
	if s.ctl != nil {
		rep.SecModPids = append([]uint32(nil), s.ctl.secmodPIDs...)
	}
	rep.ActiveClients = proto.Uint32(uint32(s.activeClients()))
	if s.bans != nil {
		rep.BannedIps = proto.Uint32(uint32(s.bans.BannedCount()))
	}
	return rep
}

// userList lists the sessions for which match is true, newest first (the
// order of ocserv's process list).
func (s *server) userList(match func(*proc) bool) *ctlpb.UserListRep {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ps []*proc
	for _, p := range s.procs {
		if match(p) {
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool {
		if !ps[i].connTime.Equal(ps[j].connTime) {
			return ps[i].connTime.After(ps[j].connTime)
		}
		return ps[i].pid > ps[j].pid
	})
	rep := &ctlpb.UserListRep{}
	for _, p := range ps {
		rep.User = append(rep.User, s.userInfo(p))
	}
	return rep
}

// ctlDisconnect ends every session for which match is true as an admin
// kick (ocserv's disconnect_proc): sec-mod is told the server disconnected
// it, which kills the cookie. It reports whether any matched.
func (s *server) ctlDisconnect(match func(*proc) bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := false
	for _, p := range s.procs {
		if match(p) {
			p.serverDisc = true
			p.kill(syscall.SIGTERM)
			found = true
		}
	}
	return found
}

// procStatus maps main's state to ocserv's PS_AUTH_* numbering.
func procStatus(st procState) uint32 {
	switch st {
	case stConnected:
		return ctl.StatusCompleted
	case stAuthFailed:
		return ctl.StatusFailed
	}
	return ctl.StatusInactive
}

// userInfo describes p as ocserv's append_user_info does. Mind the
// inverted names: local_ip is the client's VPN address, remote_ip the
// server's end of the link. Caller holds s.mu.
func (s *server) userInfo(p *proc) *ctlpb.UserInfoRep {
	sid := p.sid
	if len(sid) == 0 {
		sid = make([]byte, 32) // ocserv hashes its still-zero sid array
	}
	vhost := "default"
	if p.vhost != nil && p.vhost.Name != "" {
		vhost = p.vhost.Name
	}
	rep := &ctlpb.UserInfoRep{
		Id:               proto.Int32(int32(p.pid)),
		Username:         proto.String(p.username),
		Groupname:        proto.String(p.groupname),
		Ip:               proto.String(p.remote.Addr().Unmap().String()),
		Tun:              proto.String(p.tunName),
		LocalDevIp:       proto.String(p.local.Addr().Unmap().String()),
		LocalIp:          proto.String(""),
		RemoteIp:         proto.String(""),
		LocalIp6:         proto.String(""),
		RemoteIp6:        proto.String(""),
		ConnTime:         proto.Uint32(uint32(p.connTime.Unix())),
		Hostname:         proto.String(p.hostname),
		UserAgent:        proto.String(p.userAgent),
		Status:           proto.Uint32(procStatus(p.state)),
		TlsCiphersuite:   proto.String(p.tlsCipher),
		DtlsCiphersuite:  proto.String(p.dtlsCipher),
		SafeId:           ctl.SafeID(sid),
		Vhost:            proto.String(vhost),
		Dpd:              proto.Uint32(0),
		Keepalive:        proto.Uint32(0),
		RestrictToRoutes: proto.Bool(false),
	}
	if p.cstpCompr != "" {
		rep.CstpCompr = proto.String(p.cstpCompr)
	}
	if p.dtlsCompr != "" {
		rep.DtlsCompr = proto.String(p.dtlsCompr)
	}
	if p.tunCfg.HasIPv4() {
		rep.LocalIp = proto.String(p.tunCfg.PeerIPv4.String())
		rep.RemoteIp = proto.String(p.tunCfg.LocalIPv4.String())
	}
	if p.tunCfg.HasIPv6() {
		rep.LocalIp6 = proto.String(p.tunCfg.PeerIPv6.Addr().String())
		rep.RemoteIp6 = proto.String(p.tunCfg.LocalIPv6.String())
	}
	if p.mtu > 0 {
		rep.Mtu = proto.Uint32(uint32(p.mtu))
	}
	if gc := p.gc; gc != nil {
		rep.RestrictToRoutes = proto.Bool(gc.GetRestrictUserToRoutes())
		if gc.RxPerSec != nil {
			rep.RxPerSec = proto.Uint32(gc.GetRxPerSec() * 1000)
		}
		if gc.TxPerSec != nil {
			rep.TxPerSec = proto.Uint32(gc.GetTxPerSec() * 1000)
		}
		rep.Dpd = proto.Uint32(gc.GetDpd())
		rep.Keepalive = proto.Uint32(gc.GetKeepalive())
		if p.vhost != nil {
			rep.Domains = append([]string(nil), p.vhost.SplitDNS...)
		}
		rep.Dns = append([]string(nil), gc.GetDns()...)
		rep.Nbns = append([]string(nil), gc.GetNbns()...)
		for _, r := range gc.GetRoutes() {
			if r != "default" {
				rep.Routes = append(rep.Routes, r)
			}
		}
		rep.NoRoutes = append([]string(nil), gc.GetNoRoutes()...)
		rep.Iroutes = append([]string(nil), gc.GetIroutes()...)
		for _, fp := range gc.GetFwPorts() {
			rep.FwPorts = append(rep.FwPorts, &ctlpb.FwPort{
				Port: proto.Uint32(fp.GetPort()), Proto: proto.Uint32(fp.GetProto()), Negate: proto.Uint32(fp.GetNegate()),
			})
		}
	}
	return rep
}

// banList is the LIST_BANNED reply: every entry of the ban table, with an
// expiry for the banned ones.
func (s *server) banList() *ctlpb.BanListRep {
	rep := &ctlpb.BanListRep{}
	if s.bans == nil {
		return rep
	}
	for _, e := range s.bans.List() {
		bi := &ctlpb.BanInfoRep{Ip: e.IP.Unmap().AsSlice(), Score: proto.Uint32(uint32(max(e.Score, 0)))}
		if e.Banned {
			bi.Expires = proto.Uint32(uint32(e.Expiry.Unix()))
		}
		rep.Info = append(rep.Info, bi)
	}
	return rep
}

// cookieLister is implemented by sec-mod clients that can list cookies
// (the real one; test fakes may not).
type cookieLister interface {
	ListCookies() (*ipcpb.SecmListCookiesReply, error)
}

// cookieList is the LIST_COOKIES reply, converted from sec-mod's list.
func (s *server) cookieList() *ctlpb.CookieListRep {
	rep := &ctlpb.CookieListRep{}
	lc, ok := s.sm.(cookieLister)
	if !ok {
		return rep
	}
	l, err := lc.ListCookies()
	if err != nil {
		s.log.Errorf("error receiving list cookies reply: %v", err)
		return rep
	}
	for _, c := range l.GetCookies() {
		ci := &ctlpb.CookieInfo{
			SafeId:        append([]byte{}, c.GetSafeId()...),
			SessionIsOpen: proto.Bool(c.GetSessionIsOpen()),
			TlsAuthOk:     proto.Bool(c.GetTlsAuthOk()),
			Created:       proto.Uint32(uint32(c.GetCreated())),
			Username:      proto.String(c.GetUsername()),
			UserAgent:     proto.String(c.GetUserAgent()),
			RemoteIp:      proto.String(c.GetRemoteIp()),
			Expires:       proto.Uint32(uint32(c.GetExpires())),
			Status:        proto.Uint32(cookieStatus(c.GetStatus())),
			InUse:         proto.Bool(c.GetInUse() != 0),
			Vhost:         proto.String(c.GetVhost()),
		}
		if c.Groupname != nil {
			ci.Groupname = proto.String(c.GetGroupname())
		}
		rep.Cookies = append(rep.Cookies, ci)
	}
	return rep
}

// cookieStatus maps sec-mod's client-entry status (internal/secmod's own
// numbering) to ocserv's PS_AUTH_* numbering that occtl expects.
func cookieStatus(st uint32) uint32 {
	switch st {
	case secmod.StatusInit:
		return ctl.StatusInit
	case secmod.StatusCont:
		return ctl.StatusCont
	case secmod.StatusCompleted:
		return ctl.StatusCompleted
	case secmod.StatusFailed:
		return ctl.StatusFailed
	}
	return ctl.StatusInactive
}
