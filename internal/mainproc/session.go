package mainproc

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/lease"
	"github.com/ocserv-go/ocserv/internal/scriptenv"
	"github.com/ocserv-go/ocserv/internal/tundev"
	"google.golang.org/protobuf/proto"
)

// openSession turns the worker's cookie into a tunnel session
// (main-auth.c / main-sec-mod-cmd.c session_open, main-user.c): sec-mod
// session open, cookie takeover, max-same-clients, leases, tun,
// connect-script, then AUTH_COOKIE_REP. A returned error ends the session;
// a refused login is not an error (the worker answers 401 and leaves).
func (s *server) openSession(p *proc, req *ipcpb.AuthCookieRequest) error {
	log := p.logger(s.log)
	sid := req.GetCookie()
	if len(sid) == 0 {
		log.Infof("received empty cookie")
		return s.failCookie(p)
	}

	s.mu.Lock()
	old := s.findBySID(sid, p)
	stopping := s.stopping
	s.mu.Unlock()
	if stopping {
		return s.failCookie(p)
	}

	rep, err := s.sm.SessionOpen(&ipcpb.SecmSessionOpen{Sid: sid})
	if err != nil {
		log.Errorf("error in sec-mod session open: %v", err)
		return s.failCookie(p)
	}
	if rep.GetReply() != ipcpb.AuthRep_AUTH_OK {
		log.Infof("could not open session (cookie not accepted by sec-mod)")
		return s.failCookie(p)
	}

	cfg := s.config()
	vh := cfg.FindVhost(rep.GetVhost())
	if vh == nil {
		vh = cfg.Default()
	}
	gc := rep.GetConfig()
	if gc == nil {
		gc = &ipcpb.GroupConfig{}
	}
	exposeIroutes(vh, gc)

	s.mu.Lock()
	p.sessionOpen = true
	p.sid = append([]byte(nil), sid...)
	p.username = rep.GetUsername()
	p.groupname = rep.GetGroupname()
	p.hostname = scriptenv.SafeHostname(req.GetHostname()) // from the worker: checked again
	p.userAgent = rep.GetUserAgent()
	p.devType = rep.GetDeviceType()
	p.devPlatform = rep.GetDevicePlatform()
	p.vhost = vh
	p.cfg = cfg
	p.gc = gc
	s.mu.Unlock()
	log = p.logger(s.log)
	s.putIntoCgroup(gc.GetCgroup(), p.pid) // per-user/group cgroup (cgroup.go)

	// deny-roaming: the client must come from the address it logged in from.
	if gc.GetDenyRoaming() || (gc.DenyRoaming == nil && vh.DenyRoaming) {
		if ip, err := netip.ParseAddr(rep.GetIp()); err == nil && ip.Unmap() != p.remote.Addr().Unmap() {
			log.Infof("user '%s' is re-using cookie from different IP (prev: %s, current: %s); rejecting", p.username, rep.GetIp(), p.remote.Addr().Unmap())
			return s.failCookie(p)
		}
	}

	// Cookie reuse: the new connection takes over the old session.
	var taken *lease.Leases
	s.mu.Lock()
	if old != nil && !old.killed {
		if old.username != p.username {
			s.mu.Unlock()
			log.Errorf("the user of the new session (%s) does not match the old one (%s)", p.username, old.username)
			return s.failCookie(p)
		}
		log.Debugf("disconnecting previous user session due to session re-use")
		if old.leases != nil {
			taken = s.leases.Transfer(old.leases)
			if old.tunName != "" {
				if err := s.tun.RemoveAddrs(old.tunName, old.tunCfg); err != nil {
					log.Debugf("could not remove addresses of %s: %v", old.tunName, err)
				}
			}
		}
		old.kill(syscall.SIGTERM)
	}

	// max-same-clients
	max := vh.MaxSameClients
	if gc.MaxSameClients != nil {
		max = int(gc.GetMaxSameClients())
	}
	if max > 0 && s.sameUserCount(p) >= max {
		s.mu.Unlock()
		s.leases.Release(taken)
		log.Infof("user '%s' tried to connect more than %d times", p.username, max)
		return s.failCookie(p)
	}
	s.mu.Unlock()

	// IP leases.
	leases := taken
	if leases == nil {
		lr, err := leaseRequest(vh, gc, p.username, rep.GetIpv4Seed())
		if err == nil {
			leases, err = s.leases.Acquire(lr)
		}
		if err != nil {
			log.Errorf("could not obtain IP addresses: %v", err)
			return s.failCookie(p)
		}
	}
	s.mu.Lock()
	p.leases = leases
	s.mu.Unlock()

	// tun device.
	tcfg := tunConfig(leases)
	f, name, err := s.tun.Create(cfg.Device, s.tunOwner(cfg))
	if err != nil {
		log.Errorf("cannot open tun device: %v", err)
		s.releaseLeases(p)
		return s.failCookie(p)
	}
	defer f.Close()
	res, err := s.tun.Configure(name, tcfg)
	if err != nil {
		log.Errorf("cannot configure tun device %s: %v", name, err)
		s.releaseLeases(p)
		return s.failCookie(p)
	}
	if res.IPv6Err != nil && leases.IPv6 != nil {
		log.Errorf("could not set IPv6 address on %s, dropping IPv6: %v", name, res.IPv6Err)
		tcfg.LocalIPv6, tcfg.PeerIPv6 = netip.Addr{}, netip.Prefix{}
	}
	idx, err := s.tun.Index(name)
	if err != nil {
		log.Errorf("cannot find tun device %s: %v", name, err)
		s.releaseLeases(p)
		return s.failCookie(p)
	}
	s.mu.Lock()
	p.tunName, p.tunIndex, p.tunCfg = name, idx, tcfg
	s.mu.Unlock()

	s.notifyTop(p, true, 0)
	s.utmpLogin(p)

	// connect-script.
	if path, next := scriptenv.Resolve(scriptenv.Connect, cfg.ConnectScript, s.scriptSession(p)); path != "" {
		env := scriptenv.Merge(os.Environ(), scriptenv.Env(scriptenv.Connect, s.scriptSession(p), next, s.now()))
		r := s.script(s.ctx, path, env)
		if !r.OK() {
			log.Infof("connect-script exit status: %d", r.ExitCode)
			log.Infof("failed authentication attempt for user '%s'", p.username)
			s.releaseLeases(p)
			return s.failCookie(p)
		}
	}

	sessionID := make([]byte, 32)
	rand.Read(sessionID)
	s.udp.register(p, sessionID)
	reply := &ipcpb.AuthCookieReply{
		Reply:     ipcpb.AuthRep_AUTH_OK.Enum(),
		SessionId: sessionID,
		Sid:       p.sid,
		Vname:     proto.String(name),
		UserName:  proto.String(p.username),
		GroupName: proto.String(p.groupname),
		Config:    gc,
	}
	if tcfg.HasIPv4() {
		reply.Ipv4 = proto.String(tcfg.PeerIPv4.String())
		reply.Ipv4Local = proto.String(tcfg.LocalIPv4.String())
	}
	if tcfg.HasIPv6() {
		reply.Ipv6 = proto.String(tcfg.PeerIPv6.Addr().String())
		reply.Ipv6Local = proto.String(tcfg.LocalIPv6.String())
	}
	s.mu.Lock()
	p.connected = true
	p.connectedAt = s.now()
	p.state = stConnected
	s.mu.Unlock()
	if err := s.sendWorker(p, ipc.AuthCookieRep, reply, int(f.Fd())); err != nil {
		return err
	}
	if !s.addIroutes(p) {
		s.mu.Lock()
		p.connected = false
		s.mu.Unlock()
		return errors.New("could not apply routes for user; denying access.")
	}
	ip := ""
	if tcfg.HasIPv4() {
		ip = tcfg.PeerIPv4.String()
	} else if tcfg.HasIPv6() {
		ip = tcfg.PeerIPv6.Addr().String()
	}
	log.Infof("user logged in (device %s, IP %s)", name, ip)
	return nil
}

// findBySID returns a live proc other than self holding sid. Caller holds mu.
func (s *server) findBySID(sid []byte, self *proc) *proc {
	for _, q := range s.procs {
		if q != self && q.sessionOpen && bytes.Equal(q.sid, sid) {
			return q
		}
	}
	return nil
}

// sameUserCount counts the other live sessions of p's user (ocserv's
// check_multiple_users). Caller holds mu.
func (s *server) sameUserCount(p *proc) int {
	n := 0
	for _, q := range s.procs {
		if q != p && !q.killed && q.sessionOpen && q.username == p.username {
			n++
		}
	}
	return n
}

func (s *server) releaseLeases(p *proc) {
	s.mu.Lock()
	l := p.leases
	s.mu.Unlock()
	s.leases.Release(l)
}

// tunOwner is run-as-user / run-as-group.
func (s *server) tunOwner(cfg *config.Config) tundev.Owner {
	return tundev.Owner{UID: cfg.RunAsUID, GID: cfg.RunAsGID}
}

// leaseRequest builds the lease request from the session's merged config,
// falling back to the vhost's pools.
func leaseRequest(vh *config.Vhost, gc *ipcpb.GroupConfig, user string, seed uint32) (lease.Request, error) {
	r := lease.Request{Username: user}
	binary.LittleEndian.PutUint32(r.Seed[:], seed)
	net4, mask4 := vh.IPv4Network, vh.IPv4Netmask
	if gc.GetIpv4Net() != "" {
		net4, mask4 = gc.GetIpv4Net(), gc.GetIpv4Netmask()
	}
	if net4 != "" {
		p, err := lease.ParseIPv4Pool(net4, mask4)
		if err != nil {
			return r, err
		}
		r.IPv4Pool = p
		if e := gc.GetExplicitIpv4(); e != "" {
			if a, err := netip.ParseAddr(e); err == nil {
				r.ExplicitIPv4 = a
			}
		}
	}
	net6, pfx6 := vh.IPv6Network, vh.IPv6Prefix
	if gc.GetIpv6Net() != "" {
		net6, pfx6 = gc.GetIpv6Net(), int(gc.GetIpv6Prefix())
	}
	if net6 != "" {
		p, err := lease.ParseIPv6Pool(net6, pfx6)
		if err != nil {
			return r, err
		}
		r.IPv6Pool = p
		r.IPv6SubnetPrefix = vh.IPv6SubnetPrefix
		if gc.GetIpv6SubnetPrefix() != 0 {
			r.IPv6SubnetPrefix = int(gc.GetIpv6SubnetPrefix())
		}
		if r.IPv6SubnetPrefix == 0 {
			r.IPv6SubnetPrefix = 128
		}
		if e := gc.GetExplicitIpv6(); e != "" {
			if a, err := netip.ParseAddr(e); err == nil {
				r.ExplicitIPv6 = a
			}
		}
	}
	if !r.IPv4Pool.IsValid() && !r.IPv6Pool.IsValid() {
		return r, lease.ErrNoPool
	}
	return r, nil
}

// tunConfig is the tun side of a session's leases.
func tunConfig(l *lease.Leases) tundev.Config {
	var c tundev.Config
	if l == nil {
		return c
	}
	if l.IPv4 != nil {
		c.LocalIPv4, c.PeerIPv4 = l.IPv4.Local, l.IPv4.Remote
	}
	if l.IPv6 != nil {
		c.LocalIPv6, c.PeerIPv6 = l.IPv6.Local, netip.PrefixFrom(l.IPv6.Remote, l.IPv6.Prefix)
	}
	return c
}

// fwProtos maps FwPort.proto numbers to scriptenv protocol names.
var fwProtos = map[uint32]string{0: "udp", 1: "tcp", 2: "sctp", 3: "esp", 4: "icmp", 5: "icmpv6"}

// scriptSession describes p for the hook scripts.
func (s *server) scriptSession(p *proc) *scriptenv.Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := &scriptenv.Session{
		ID:             p.pid,
		Username:       p.username,
		Groupname:      p.groupname,
		Device:         p.tunName,
		RemoteAddr:     p.remote.Addr().Unmap(),
		LocalAddr:      p.local.Addr().Unmap(),
		Hostname:       p.hostname,
		UserAgent:      p.userAgent,
		DeviceType:     p.devType,
		DevicePlatform: p.devPlatform,
		ConnectedAt:    p.connectedAt,
	}
	if p.vhost != nil {
		ss.Vhost = p.vhost.Name
	}
	if p.tunCfg.HasIPv4() {
		ss.IPv4Local, ss.IPv4Remote = p.tunCfg.LocalIPv4, p.tunCfg.PeerIPv4
	}
	if p.tunCfg.HasIPv6() {
		ss.IPv6Local, ss.IPv6Remote = p.tunCfg.LocalIPv6, p.tunCfg.PeerIPv6.Addr()
		ss.IPv6Prefix = p.tunCfg.PeerIPv6.Bits()
	}
	if gc := p.gc; gc != nil {
		ss.Routes = gc.GetRoutes()
		ss.NoRoutes = gc.GetNoRoutes()
		ss.DNS = gc.GetDns()
		ss.RestrictToRoutes = gc.GetRestrictUserToRoutes()
		for _, fp := range gc.GetFwPorts() {
			name, ok := fwProtos[fp.GetProto()]
			if !ok {
				continue
			}
			ss.Ports = append(ss.Ports, scriptenv.Port{Proto: name, Port: uint16(fp.GetPort())})
			if fp.GetNegate() != 0 {
				ss.DenyPorts = true
			}
		}
	}
	return ss
}

// removeProc ends a session once its command loop ended (ocserv's
// remove_proc). The cleanup is one ordered undo list: nothing the worker
// could still use goes back to the pool before the worker is gone — the
// worker is stopped and reaped, then its tun device is deleted, and only
// then are its addresses free for the next user.
func (s *server) removeProc(p *proc, end workerEnd) {
	defer close(p.done)
	for _, step := range s.sessionUndo(p, end) {
		step.run()
	}
}

// undoStep is one step of a session's cleanup.
type undoStep struct {
	name string
	run  func()
}

// sessionUndo is the ordered cleanup of p's session.
func (s *server) sessionUndo(p *proc, end workerEnd) []undoStep {
	var closeReq *ipcpb.SecmSessionClose
	var bytesIn, bytesOut uint64
	return []undoStep{
		{"unlist", func() { closeReq = s.unlistProc(p) }},
		{"stop worker", func() { s.stopWorker(p, end) }},
		{"close session", func() { bytesIn, bytesOut = s.closeSession(p, closeReq) }},
		{"disconnect script", func() { s.disconnectScript(p, bytesIn, bytesOut) }},
		{"utmp", func() { s.utmpLogout(p) }},
		{"iroutes", func() { s.removeIroutes(p) }},
		{"delete tun", func() { s.deleteTun(p) }},
		{"release leases", func() { s.releaseLeases(p) }},
	}
}

// unlistProc stops routing anything to p (UDP, commands, the proc table)
// and returns the SESSION_CLOSE request describing it, or nil when no
// session was opened with sec-mod.
func (s *server) unlistProc(p *proc) *ipcpb.SecmSessionClose {
	s.udp.forget(p)
	p.conn.Close()
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.procs, p.pid)
	if !p.sessionOpen {
		return nil
	}
	uptime := uint32(0)
	if !p.connectedAt.IsZero() {
		uptime = uint32(s.now().Sub(p.connectedAt) / time.Second)
	}
	req := &ipcpb.SecmSessionClose{
		Sid:                p.sid,
		Uptime:             proto.Uint32(uptime),
		BytesIn:            proto.Uint64(0),
		BytesOut:           proto.Uint64(0),
		ServerDisconnected: proto.Bool(p.serverDisc),
	}
	if p.tunCfg.HasIPv4() {
		req.Ipv4 = proto.String(p.tunCfg.PeerIPv4.String())
	}
	if p.tunCfg.HasIPv6() {
		req.Ipv6 = proto.String(p.tunCfg.PeerIPv6.Addr().String())
	}
	return req
}

// stopWorker makes sure the worker is gone and reaped. A misbehaving one
// is killed at once; one that ends normally, or that main told to go, has
// p.exitGrace to exit before it is killed. Without the reaper's
// confirmation nothing after this step runs: a worker that survives even
// SIGKILL keeps its addresses.
func (s *server) stopWorker(p *proc, end workerEnd) {
	s.mu.Lock()
	switch end {
	case endMisbehaved:
		p.kill(syscall.SIGKILL)
	case endError:
		p.kill(syscall.SIGTERM)
	}
	s.mu.Unlock()
	if p.exited == nil {
		return
	}
	select {
	case <-p.exited:
		return
	case <-time.After(p.exitGrace):
	}
	log := p.logger(s.log)
	log.Infof("worker %d did not exit; killing it", p.pid)
	s.mu.Lock()
	p.kill(syscall.SIGKILL)
	s.mu.Unlock()
	select {
	case <-p.exited:
	case <-time.After(p.exitGrace):
		log.Errorf("worker %d survives SIGKILL; keeping its addresses until it is reaped", p.pid)
		<-p.exited
	}
}

// closeSession tells sec-mod the session ended and logs the disconnect;
// it returns the session's byte counts.
func (s *server) closeSession(p *proc, req *ipcpb.SecmSessionClose) (bytesIn, bytesOut uint64) {
	if req == nil {
		return 0, 0
	}
	log := p.logger(s.log)
	st, err := s.sm.SessionClose(req)
	if err != nil {
		log.Errorf("error in sec-mod session close: %v", err)
		return 0, 0
	}
	bytesIn, bytesOut = st.GetBytesIn(), st.GetBytesOut()
	r := st.GetDisconReason()
	s.sessionEnded(p, r, bytesIn, bytesOut)
	if reasonIsDebug(r) {
		log.Debugf("user disconnected (reason: %s, rx: %d, tx: %d)", reasonText(r), bytesIn, bytesOut)
	} else {
		log.Infof("user disconnected (reason: %s, rx: %d, tx: %d)", reasonText(r), bytesIn, bytesOut)
	}
	return bytesIn, bytesOut
}

// disconnectScript starts the disconnect-script of a session whose
// connect-script succeeded (in the background, bounded by 5 minutes).
func (s *server) disconnectScript(p *proc, bytesIn, bytesOut uint64) {
	s.mu.Lock()
	connected, cfg := p.connected, p.cfg
	s.mu.Unlock()
	if !connected || cfg == nil {
		return
	}
	ss := s.scriptSession(p)
	ss.BytesIn, ss.BytesOut = bytesIn, bytesOut
	path, next := scriptenv.Resolve(scriptenv.Disconnect, cfg.DisconnectScript, ss)
	if path == "" {
		return
	}
	env := scriptenv.Merge(os.Environ(), scriptenv.Env(scriptenv.Disconnect, ss, next, s.now()))
	s.scripts.Add(1)
	go func() {
		defer s.scripts.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		s.script(ctx, path, env)
	}()
}

// deleteTun removes the session's tun device (it normally vanished with
// the worker's descriptor; a copy kept by anything else is cut off here).
func (s *server) deleteTun(p *proc) {
	s.mu.Lock()
	name, idx := p.tunName, p.tunIndex
	s.mu.Unlock()
	if name == "" || idx == 0 {
		return
	}
	if err := s.tun.Delete(name, idx); err != nil {
		p.logger(s.log).Errorf("could not delete %s: %v", name, err)
	}
}

var errStopping = errors.New("server is shutting down")
