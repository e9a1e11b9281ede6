package worker

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/ocserv-go/ocserv/internal/cstp"
	"github.com/ocserv-go/ocserv/internal/dtlsx"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// DTLS payload types: the first byte of every record (protocol.md §6.1).
const (
	dtlsData       = 0x00
	dtlsDPDReq     = 0x03
	dtlsDPDResp    = 0x04
	dtlsDisconnect = 0x05
	dtlsKeepalive  = 0x07
	dtlsCompressed = 0x08
)

// dtlsHandshakeTimeout bounds one DTLS handshake (ocserv: 60 s total).
const dtlsHandshakeTimeout = 30 * time.Second

// dtlsStart arms the UDP side for the tunnel's lifetime.
func (s *session) dtlsStart(ctx context.Context, finish func(end)) {
	d := s.dtls
	if d == nil {
		return
	}
	d.ctx, d.cancel = context.WithCancel(ctx)
	d.linkMTU = s.linkMTU
	d.finish = finish
}

// dtlsStop closes the active channel and any handshake in progress.
func (s *session) dtlsStop() {
	d := s.dtls
	if d == nil || d.cancel == nil {
		return
	}
	d.cancel()
	d.mu.Lock()
	c := d.active
	d.active, d.pc = nil, nil
	d.mu.Unlock()
	d.up.Store(false)
	if c != nil {
		d.wmu.Lock()
		c.Close()
		d.wmu.Unlock()
	}
}

// dtlsUDPFD handles CMD_UDP_FD: a ClientHello (hello) starts a handshake
// on the new socket, whose success replaces the active channel; a NAT
// rebinding (!hello) moves the active pion session to the new socket.
func (s *session) dtlsUDPFD(fr *ipc.Frame) {
	d := s.dtls
	var m ipcpb.UdpFd
	if err := fr.Unmarshal(&m); err != nil || d == nil || d.ctx == nil {
		return
	}
	f := fr.File("udp")
	if f == nil {
		return
	}
	nc, err := net.FileConn(f)
	f.Close()
	if err != nil {
		s.w.log.Infof("cannot use the UDP socket from main: %v", err)
		return
	}
	uc, ok := nc.(*net.UDPConn)
	if !ok {
		nc.Close()
		return
	}
	if !m.GetHello() {
		d.mu.Lock()
		pc := d.pc
		d.mu.Unlock()
		if pc == nil {
			uc.Close()
			return
		}
		// The flow moves only once a record decrypts from the new
		// socket (dtlsx rebind.go); garbage never moves it.
		s.w.log.Debugf("UDP datagrams from %s (NAT rebinding?); verifying before switching", uc.RemoteAddr())
		pc.Offer(uc, m.GetData())
		return
	}
	setNetPriority(uc, s.netPrio, s.w.log.Debugf)
	d.mu.Lock()
	if d.hsCancel != nil {
		d.hsCancel() // a newer ClientHello supersedes an unfinished handshake
	}
	hctx, cancel := context.WithTimeout(d.ctx, dtlsHandshakeTimeout)
	d.hsCancel = cancel
	d.gen++
	gen := d.gen
	d.mu.Unlock()
	go s.dtlsHandshake(hctx, cancel, gen, uc, m.GetData())
}

func (s *session) dtlsHandshake(ctx context.Context, cancel context.CancelFunc, gen uint64, uc *net.UDPConn, first []byte) {
	defer cancel()
	d, log := s.dtls, s.w.log
	pc := dtlsx.NewPacketConn(uc, first)
	mtu := d.linkMTU - d.ipOver - 8
	start := time.Now()
	var c dtlsx.Conn
	var err error
	switch d.mode {
	case dtlsPSK:
		var sess *dtlsx.Session
		sess, err = dtlsx.ServerPSK(ctx, pc, dtlsx.PSKConfig{PSK: d.psk, Suites: d.suites, MTU: mtu, HandshakeTimeout: dtlsHandshakeTimeout})
		if err == nil {
			c = sess
		}
	case dtlsLegacy12:
		var sess *dtlsx.Session
		sess, err = dtlsx.ServerResume(ctx, pc, dtlsx.ResumeConfig{SessionID: d.id, MasterSecret: d.master,
			Suite: d.legacy.Suite, MTU: mtu, HandshakeTimeout: dtlsHandshakeTimeout})
		if err == nil {
			c = sess
		}
	case dtlsLegacy09:
		if dtls09Server == nil {
			err = errors.New("DTLS 0.9 is not available")
		} else {
			c, err = dtls09Server(ctx, d, pc, first)
		}
	}
	if err != nil {
		pc.Close()
		log.Infof("error establishing DTLS connection: %v", err)
		return
	}
	d.mu.Lock()
	if gen != d.gen || d.ctx.Err() != nil {
		d.mu.Unlock()
		c.Close()
		return
	}
	old := d.active
	d.active = c
	d.pc = pc
	d.hsCancel = nil
	d.mu.Unlock()
	now := time.Now().UnixNano()
	d.lastRecv.Store(now)
	d.lastDPD.Store(0)
	d.up.Store(true)
	if old != nil {
		d.wmu.Lock()
		old.Close()
		d.wmu.Unlock()
	}
	log.Infof("DTLS handshake completed (%s) in %v", c.CipherName(), time.Since(start).Round(time.Microsecond))
	info := &ipcpb.SessionInfo{
		TlsCiphersuite:  ptr(s.w.keys.describe(s.w.tlsConn.ConnectionState())),
		DtlsCiphersuite: ptr(c.CipherName()),
		UserAgent:       ptr(s.w.userAgent),
		CstpCompr:       s.cstpComprName(),
		DtlsCompr:       s.dtlsComprName(),
	}
	if err := ipc.Send(s.w.p.Cmd, ipc.CmdSessionInfo, info, -1); err != nil {
		log.Debugf("sending CMD_SESSION_INFO: %v", err)
	}
	// The data MTU with the real DTLS suite (ocserv re-announces it).
	if mtu := d.linkMTU - d.ipOver - 8 - 1 - c.Overhead(); mtu != s.dataMTU && mtu >= 68 {
		if err := ipc.Send(s.w.p.Cmd, ipc.CmdTunMTU, &ipcpb.TunMtu{Mtu: ptr(uint32(mtu))}, -1); err != nil {
			log.Debugf("sending CMD_TUN_MTU: %v", err)
		}
	}
	s.dtlsRead(c)
}

// dtlsRead handles the records of one channel until it fails or is
// replaced.
func (s *session) dtlsRead(c dtlsx.Conn) {
	d := s.dtls
	buf := make([]byte, tunBuf+64)
	var zbuf []byte // decompression buffer (compress.go)
	var pc *dtlsx.PacketConn
	if ps, ok := c.(interface{ PacketConn() *dtlsx.PacketConn }); ok {
		pc = ps.PacketConn()
	}
	for {
		n, err := c.Read(buf)
		if err != nil {
			d.mu.Lock()
			cur := d.active == c
			if cur {
				d.active, d.pc = nil, nil
			}
			d.mu.Unlock()
			if cur {
				d.up.Store(false)
				if d.ctx.Err() == nil {
					s.w.log.Infof("DTLS channel closed: %v; using TCP", err)
				}
				c.Close()
			}
			return
		}
		if pc != nil {
			if moved, to := pc.Decrypted(); moved {
				s.w.log.Infof("DTLS client address changed (NAT rebinding) to %s", to)
			}
		}
		if n == 0 {
			continue
		}
		now := time.Now().UnixNano()
		d.lastRecv.Store(now)
		s.lastRecv.Store(now)
		d.mu.Lock()
		cur := d.active == c
		d.mu.Unlock()
		if cur {
			d.up.Store(true)
		}
		switch buf[0] {
		case dtlsData:
			if !s.rxLimit.allow(n - 1) {
				continue // over rx-data-per-sec: dropped
			}
			s.lastData.Store(now)
			if n == 1 {
				continue
			}
			if err := s.tun.WritePacket(buf[1:n]); err != nil {
				s.w.log.Debugf("could not write to tun: %v", err)
				continue
			}
			s.bytesIn.Add(uint64(n - 1))
		case dtlsDPDReq:
			// Echo byte for byte: openconnect's MTU probe relies on it.
			buf[0] = dtlsDPDResp
			d.wmu.Lock()
			_, err := c.Write(buf[:n])
			d.wmu.Unlock()
			if err != nil {
				s.w.log.Debugf("DTLS DPD response (%d bytes): %v", n, err)
			}
		case dtlsDPDResp, dtlsKeepalive:
		case dtlsDisconnect:
			s.w.log.Infof("received BYE packet (DTLS); exiting")
			d.finish(end{reason: ReasonUserDisconnect})
			return
		case dtlsCompressed:
			cd := s.dtlsCodec()
			if cd == nil {
				s.w.log.Debugf("compressed DTLS packet but no compression negotiated")
				continue
			}
			if !s.rxLimit.allow(n - 1) {
				continue
			}
			s.lastData.Store(now)
			pkt, ok := s.compIn(cd, buf[1:n], &zbuf)
			if !ok || len(pkt) == 0 {
				continue
			}
			if err := s.tun.WritePacket(pkt); err != nil {
				s.w.log.Debugf("could not write to tun: %v", err)
				continue
			}
			s.bytesIn.Add(uint64(len(pkt)))
		default:
			s.w.log.Debugf("received unknown DTLS packet type 0x%02x", buf[0])
		}
	}
}

// dtlsSend sends the tun packet at buf[cstp.HeaderLen:cstp.HeaderLen+n]
// over DTLS when the channel is up and reports whether it did; otherwise
// the caller sends it over CSTP (protocol.md §6.9).
func (s *session) dtlsSend(buf []byte, n int) bool { return s.dtlsSendAs(buf, n, dtlsData) }

// dtlsSendAs is dtlsSend with the record's type byte (DATA or COMPRESSED).
func (s *session) dtlsSendAs(buf []byte, n int, typ byte) bool {
	d := s.dtls
	if d == nil || !d.up.Load() {
		return false
	}
	if to := s.w.vhost.SwitchToTCPTimeout; to > 0 {
		silent := time.Duration(time.Now().UnixNano() - d.lastRecv.Load())
		if silent > time.Duration(to)*time.Second {
			s.w.log.Infof("no UDP traffic for %d secs; switching to TCP", int(silent/time.Second))
			d.up.Store(false)
			return false
		}
	}
	d.mu.Lock()
	c := d.active
	d.mu.Unlock()
	if c == nil {
		d.up.Store(false)
		return false
	}
	p := buf[cstp.HeaderLen-1 : cstp.HeaderLen+n]
	p[0] = typ
	d.wmu.Lock()
	_, err := c.Write(p)
	d.wmu.Unlock()
	if err != nil {
		s.w.log.Debugf("DTLS send failed (%v); sending over TCP", err)
		return false
	}
	return true
}

// dtlsClientUsedTCP: DATA over CSTP while UDP is up means the client
// chose TCP; ocserv marks UDP inactive until the next DTLS record.
func (s *session) dtlsClientUsedTCP() {
	if d := s.dtls; d != nil {
		d.up.Store(false)
	}
}

// dtlsCheck is the periodic DTLS DPD (worker-vpn.c periodic_check): after
// 2×DPD without UDP traffic a DPD request padded to the data MTU is sent
// (it doubles as an MTU probe); after 3×DPD UDP is marked inactive.
func (s *session) dtlsCheck(t time.Time) {
	d := s.dtls
	if d == nil || s.dpd <= 0 || !d.up.Load() {
		return
	}
	now := t.UnixNano()
	dpd := time.Duration(s.dpd) * time.Second
	silent := time.Duration(now - d.lastRecv.Load())
	if silent > 3*dpd {
		s.w.log.Infof("have not received UDP DPD for long (%d secs); using TCP", int(silent/time.Second))
		d.up.Store(false)
		return
	}
	if silent > 2*dpd && time.Duration(now-d.lastDPD.Load()) > dpd && d.dpdBusy.CompareAndSwap(false, true) {
		d.lastDPD.Store(now)
		d.mu.Lock()
		c := d.active
		d.mu.Unlock()
		if c == nil {
			d.dpdBusy.Store(false)
			return
		}
		// Written from its own goroutine: the timer loop never waits
		// for a data write holding wmu (each datagram write is bounded
		// by dtlsx.UDPWriteTimeout).
		go func() {
			defer d.dpdBusy.Store(false)
			size := max(s.dataMTU, 1)
			p := make([]byte, size)
			p[0] = dtlsDPDReq
			d.wmu.Lock()
			_, err := c.Write(p)
			d.wmu.Unlock()
			if err != nil {
				s.w.log.Debugf("DTLS DPD request: %v", err)
			}
		}()
	}
}
