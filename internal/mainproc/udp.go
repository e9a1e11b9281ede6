package mainproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/dtlsx/hello"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// udpResendTime is how often a session may be handed a new UDP socket
// (ocserv's UDP_FD_RESEND_TIME).
const udpResendTime = 3 * time.Second

// udpMaxDatagram is the largest datagram main reads (ocserv: 16 KiB).
const udpMaxDatagram = 16 * 1024

// udpRouter maps the per-connection 32-byte DTLS ids (App-ID / Session-ID)
// to sessions and remembers, per session, when it last got a socket and
// from which address the client last spoke UDP (protocol.md §6.7). Its
// zero value is ready; it has its own lock (never held with server.mu).
type udpRouter struct {
	mu     sync.Mutex
	byID   map[string]*udpEntry
	byProc map[*proc]*udpEntry
}

type udpEntry struct {
	p       *proc
	id      string
	lastFD  time.Time
	lastUDP netip.Addr
}

// register records p's DTLS id (a new one per CONNECT).
func (u *udpRouter) register(p *proc, id []byte) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.byID == nil {
		u.byID, u.byProc = make(map[string]*udpEntry), make(map[*proc]*udpEntry)
	}
	if old := u.byProc[p]; old != nil {
		delete(u.byID, old.id)
	}
	e := &udpEntry{p: p, id: string(id)}
	u.byID[e.id] = e
	u.byProc[p] = e
}

// forget drops p (its session ended).
func (u *udpRouter) forget(p *proc) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if e := u.byProc[p]; e != nil {
		delete(u.byID, e.id)
		delete(u.byProc, p)
	}
}

// route decides which session a datagram from src belongs to and whether
// it may get a socket now. For a ClientHello the id decides; otherwise
// (NAT rebinding) the single session whose TCP or last UDP peer has src's
// IP address. The entry's hand-over time and UDP address are updated.
func (u *udpRouter) route(id []byte, isHello bool, src netip.Addr, now time.Time) (*proc, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	var e *udpEntry
	if isHello {
		e = u.byID[string(id)]
		if e == nil {
			return nil, errors.New("no session matches the DTLS session id")
		}
	} else {
		for _, c := range u.byProc {
			if c.p.remote.Addr().Unmap() == src || c.lastUDP == src {
				if e != nil {
					return nil, errors.New("several sessions match the address")
				}
				e = c
			}
		}
		if e == nil {
			return nil, errors.New("no session matches the address")
		}
	}
	select {
	case <-e.p.done:
		return nil, errors.New("session is gone")
	default:
	}
	if !e.lastFD.IsZero() && now.Sub(e.lastFD) < udpResendTime {
		return nil, errors.New("received UDP connection too soon")
	}
	e.lastFD = now
	e.lastUDP = src
	return e.p, nil
}

// udpListener is one UDP listening socket of main.
type udpListener struct {
	conn  *net.UDPConn
	local netip.AddrPort // the bound address (unspecified for wildcard)
}

// listenUDP binds udp-port on udp-listen-host (or every address of both
// families) with SO_REUSEADDR and packet-info so that each datagram's
// local address is known; IPv6 sockets are IPV6_V6ONLY.
func listenUDP(host string, port int) ([]*udpListener, error) {
	targets, err := listenTargets(host, "udp")
	if err != nil {
		return nil, err
	}
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
			if serr != nil {
				return
			}
			if network == "udp6" {
				if serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); serr == nil {
					serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1)
				}
			} else {
				serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_PKTINFO, 1)
			}
		})
		if err != nil {
			return err
		}
		return serr
	}}
	var out []*udpListener
	var firstErr error
	for _, t := range targets {
		pc, err := lc.ListenPacket(context.Background(), t.network, net.JoinHostPort(t.addr, strconv.Itoa(port)))
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		uc := pc.(*net.UDPConn)
		la := uc.LocalAddr().(*net.UDPAddr).AddrPort()
		out = append(out, &udpListener{conn: uc, local: netip.AddrPortFrom(la.Addr().Unmap(), la.Port())})
	}
	if len(out) == 0 {
		if firstErr == nil {
			firstErr = errors.New("no address to listen on")
		}
		return nil, fmt.Errorf("could not listen to any UDP ports: %w", firstErr)
	}
	return out, nil
}

// serveUDP reads datagrams from every listener until they are closed.
func (s *server) serveUDP(lns []*udpListener) {
	for _, ln := range lns {
		go s.udpLoop(ln)
	}
}

func (s *server) udpLoop(ln *udpListener) {
	buf := make([]byte, udpMaxDatagram)
	oob := make([]byte, 256)
	for {
		n, oobn, _, src, err := ln.conn.ReadMsgUDPAddrPort(buf, oob)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		local := ln.local
		if !local.Addr().IsValid() || local.Addr().IsUnspecified() {
			a, ok := pktinfoAddr(oob[:oobn])
			if !ok {
				continue
			}
			local = netip.AddrPortFrom(a, ln.local.Port())
		}
		src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
		s.udpDatagram(buf[:n], src, local)
	}
}

// pktinfoAddr extracts the datagram's destination address from the
// IP_PKTINFO / IPV6_PKTINFO control message.
func pktinfoAddr(oob []byte) (netip.Addr, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return netip.Addr{}, false
	}
	for _, m := range msgs {
		switch {
		case m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_PKTINFO && len(m.Data) >= unix.SizeofInet4Pktinfo:
			// struct in_pktinfo: ifindex(4) spec_dst(4) addr(4)
			a := netip.AddrFrom4([4]byte(m.Data[8:12]))
			if a.IsUnspecified() {
				a = netip.AddrFrom4([4]byte(m.Data[4:8]))
			}
			return a, true
		case m.Header.Level == unix.IPPROTO_IPV6 && m.Header.Type == unix.IPV6_PKTINFO && len(m.Data) >= unix.SizeofInet6Pktinfo:
			a := netip.AddrFrom16([16]byte(m.Data[0:16]))
			return a.Unmap(), true
		}
	}
	return netip.Addr{}, false
}

// udpDatagram routes one datagram from a listener (ocserv's
// forward_udp_to_owner). Anything that does not match a session is
// dropped; nothing here trusts the datagram beyond the id lookup.
func (s *server) udpDatagram(b []byte, src, local netip.AddrPort) {
	if len(b) < 13 || !hello.VersionOK(b) {
		return
	}
	cfg := s.config()
	isHello := b[0] == 22
	var id []byte
	if isHello {
		if hello.ZeroRandom(b) && os.Getenv("OCSERV_ALLOW_BROKEN_CLIENTS") != "1" {
			s.log.Debugf("%s: Unexpected DTLS content (zero random); ignoring", src)
			return
		}
		var ok bool
		if id, ok = hello.SessionID(b, cfg.DTLSPSK); !ok {
			s.log.Debugf("%s: unexpected DTLS hello (no session id); ignoring", src)
			return
		}
	}
	p, err := s.udp.route(id, isHello, src.Addr(), time.Now())
	if err != nil {
		s.log.Debugf("%s: UDP datagram ignored: %v", src, err)
		return
	}
	var fd int
	err = inNetns(listenNetns, func() (err error) {
		fd, err = udpSocketFor(local, src, cfg.TryMTUDiscovery)
		return err
	})
	if err != nil {
		p.logger(s.log).Errorf("cannot create a UDP socket for %s: %v", src, err)
		return
	}
	s.handOffUDP(p, src, isHello, b, fd)
}

// handOffUDP passes the client's UDP socket fd (and the datagram, copied)
// to p's worker in the background and takes ownership of fd. The UDP loop
// never waits for a worker: while an earlier hand-off to the same worker
// is still under way the new one is dropped (the client retries), and a
// worker that does not drain its socket within its send timeout is
// killed by sendWorker.
func (s *server) handOffUDP(p *proc, src netip.AddrPort, isHello bool, b []byte, fd int) {
	if !p.udpBusy.CompareAndSwap(false, true) {
		unix.Close(fd)
		p.logger(s.log).Debugf("UDP socket from %s dropped: the worker has not taken the previous one yet", src)
		return
	}
	msg := &ipcpb.UdpFd{Hello: proto.Bool(isHello), Data: append([]byte(nil), b...)}
	go func() {
		defer p.udpBusy.Store(false)
		defer unix.Close(fd)
		if err := s.sendWorker(p, ipc.CmdUDPFD, msg, fd); err != nil {
			p.logger(s.log).Debugf("sending CMD_UDP_FD: %v", err)
			return
		}
		p.logger(s.log).Debugf("passed UDP socket from %s (hello=%v)", src, isHello)
	}()
}

// udpSocketFor makes the per-client socket: SO_REUSEADDR, bound to the
// exact local address and port the datagram arrived on, connected to the
// client, so the kernel delivers that client's datagrams to it.
func udpSocketFor(local, remote netip.AddrPort, pmtud bool) (int, error) {
	family := unix.AF_INET
	if local.Addr().Is6() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	fail := func(err error) (int, error) {
		unix.Close(fd)
		return -1, err
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fail(err)
	}
	var la, ra unix.Sockaddr
	if family == unix.AF_INET6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1); err != nil {
			return fail(err)
		}
		if pmtud {
			_ = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_MTU_DISCOVER, unix.IPV6_PMTUDISC_DO)
		}
		la = &unix.SockaddrInet6{Port: int(local.Port()), Addr: local.Addr().As16()}
		ra = &unix.SockaddrInet6{Port: int(remote.Port()), Addr: remote.Addr().As16()}
	} else {
		if pmtud {
			_ = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_MTU_DISCOVER, unix.IP_PMTUDISC_DO)
		}
		la = &unix.SockaddrInet4{Port: int(local.Port()), Addr: local.Addr().As4()}
		if !remote.Addr().Is4() {
			return fail(errors.New("address family mismatch"))
		}
		ra = &unix.SockaddrInet4{Port: int(remote.Port()), Addr: remote.Addr().As4()}
	}
	if err := unix.Bind(fd, la); err != nil {
		return fail(fmt.Errorf("bind %s: %w", local, err))
	}
	if err := unix.Connect(fd, ra); err != nil {
		return fail(fmt.Errorf("connect %s: %w", remote, err))
	}
	return fd, nil
}

// startUDP opens the UDP listeners (when udp-port is set) and serves them;
// the returned function closes them. A failure to bind is logged and the
// server runs without DTLS, clients then stay on CSTP.
func (s *server) startUDP() (stop func()) {
	cfg := s.config()
	if cfg.UDPPort == 0 {
		return func() {}
	}
	lns, err := activatedUDP()
	if lns == nil {
		err = inNetns(listenNetns, func() (err error) {
			lns, err = listenUDP(cfg.UDPListenHost, cfg.UDPPort)
			return err
		})
	}
	if err != nil {
		s.log.Errorf("%v", err)
		return func() {}
	}
	for _, ln := range lns {
		s.log.Noticef("listening (UDP) on %s...", ln.conn.LocalAddr())
	}
	s.serveUDP(lns)
	return func() {
		for _, ln := range lns {
			ln.conn.Close()
		}
	}
}
