package mainproc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"syscall"
	"time"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"google.golang.org/protobuf/proto"
)

// workerEnd is how a worker's command loop ended; it decides how firmly
// the worker is stopped (stopWorker).
type workerEnd int

const (
	endEOF        workerEnd = iota // the worker closed its command socket
	endError                       // main ended the session: SIGTERM, SIGKILL after the grace
	endMisbehaved                  // bad or unexpected frame, or a send it did not drain: SIGKILL
)

// serveWorker reads the worker's commands until EOF or a bad frame
// (main-worker-cmd.c handle_worker_commands) and says how it ended. A
// malformed or unexpected frame, or a frame the worker did not drain in
// time, marks the worker as misbehaving: it is killed without a grace.
func (s *server) serveWorker(p *proc) workerEnd {
	for {
		f, err := ipc.Recv(p.conn, ipc.MaxMsgSize, 0)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return endEOF
			}
			p.logger(s.log).Infof("error receiving worker command: %v", err)
			return endMisbehaved
		}
		err = s.handleCmd(p, f)
		f.Close()
		if err != nil {
			p.logger(s.log).Infof("%v", err)
			if errors.Is(err, errBadCommand) || errors.Is(err, os.ErrDeadlineExceeded) {
				return endMisbehaved
			}
			return endError
		}
	}
}

// workerSendTimeout bounds each write of main to a worker's command
// socket (tests shorten a proc's sendTimeout).
const workerSendTimeout = 10 * time.Second

// sendWorker writes one frame to p's command socket (fd >= 0 goes along).
// Writers to one worker take turns (p.sendMu) and each has
// p.sendTimeout: a worker that does not drain its socket in time is
// killed, so a stopped worker stalls nothing but its own session.
func (s *server) sendWorker(p *proc, cmd ipc.Cmd, msg proto.Message, fd int) error {
	p.sendMu.Lock()
	defer p.sendMu.Unlock()
	if err := p.conn.SetWriteDeadline(time.Now().Add(p.sendTimeout)); err != nil {
		return fmt.Errorf("sending %s to worker: %w", cmd, err)
	}
	err := ipc.Send(p.conn, cmd, msg, fd)
	_ = p.conn.SetWriteDeadline(time.Time{})
	if errors.Is(err, os.ErrDeadlineExceeded) {
		p.logger(s.log).Errorf("worker did not read %s within %v; killing it", cmd, p.sendTimeout)
		s.mu.Lock()
		p.kill(syscall.SIGKILL)
		s.mu.Unlock()
	}
	return err
}

var errBadCommand = errors.New("bad command from worker")

// handleCmd acts on one worker command. A non-nil error ends the session.
func (s *server) handleCmd(p *proc, f ipc.Frame) error {
	log := p.logger(s.log)
	log.Debugf("main received worker's message '%s' of %d bytes", f.Cmd, len(f.Body))
	switch f.Cmd {
	case ipc.AuthCookieReq:
		var req ipcpb.AuthCookieRequest
		if err := f.Unmarshal(&req); err != nil {
			return errors.Join(errBadCommand, err)
		}
		s.mu.Lock()
		st := p.state
		if st == stPreAuth {
			p.state = stOpening
		}
		s.mu.Unlock()
		if st != stPreAuth {
			return errors.Join(errBadCommand, errors.New("auth cookie request received in an unexpected state"))
		}
		return s.openSession(p, &req)

	case ipc.CmdTunMTU:
		var m ipcpb.TunMtu
		if err := f.Unmarshal(&m); err != nil {
			return errors.Join(errBadCommand, err)
		}
		s.setMTU(p, int(m.GetMtu()))
		return nil

	case ipc.CmdSessionInfo:
		var m ipcpb.SessionInfo
		if err := f.Unmarshal(&m); err != nil {
			return errors.Join(errBadCommand, err)
		}
		s.mu.Lock()
		if m.TlsCiphersuite != nil {
			p.tlsCipher = m.GetTlsCiphersuite()
		}
		if m.DtlsCiphersuite != nil {
			p.dtlsCipher = m.GetDtlsCiphersuite()
		}
		if m.CstpCompr != nil {
			p.cstpCompr = m.GetCstpCompr()
		}
		if m.DtlsCompr != nil {
			p.dtlsCompr = m.GetDtlsCompr()
		}
		if m.UserAgent != nil && p.userAgent == "" {
			p.userAgent = m.GetUserAgent()
		}
		s.mu.Unlock()
		s.proxySessionInfo(p, &m)
		s.maybeHostUpdate(p, m.DtlsCiphersuite != nil)
		return nil

	case ipc.CmdBanIP:
		var m ipcpb.BanIp
		if err := f.Unmarshal(&m); err != nil {
			return errors.Join(errBadCommand, err)
		}
		rep := ipcpb.AuthRep_AUTH_OK
		if ip, err := netip.ParseAddr(m.GetIp()); err == nil && s.ban.AddPoints(ip.Unmap(), int(m.GetScore())) {
			rep = ipcpb.AuthRep_AUTH_FAILED
		}
		if err := s.sendWorker(p, ipc.CmdBanIPReply, &ipcpb.BanIpReply{Reply: rep.Enum()}, -1); err != nil {
			return err
		}
		return nil

	case ipc.CmdLatencyStatsDelta:
		var m ipcpb.LatencyStatsDelta
		if err := f.Unmarshal(&m); err != nil {
			return errors.Join(errBadCommand, err)
		}
		s.stats.latency(s.now(), &m)
		return nil
	}
	return errors.Join(errBadCommand, errors.New("unknown command "+f.Cmd.String()))
}

// setMTU applies CMD_TUN_MTU: only for a connected session, within 68 and
// the mtu option (16384 when unset), as ocserv's set_tun_mtu.
func (s *server) setMTU(p *proc, mtu int) {
	log := p.logger(s.log)
	s.mu.Lock()
	name, st := p.tunName, p.state
	max := 16384
	if p.gc != nil && p.gc.GetMtu() > 0 {
		max = int(p.gc.GetMtu())
	} else if p.vhost != nil && p.vhost.MTU > 0 {
		max = p.vhost.MTU
	}
	s.mu.Unlock()
	if st != stConnected || name == "" {
		log.Infof("received TUN MTU before the session was established")
		return
	}
	if mtu < 68 || mtu > max {
		log.Infof("ignoring invalid MTU %d (allowed 68-%d)", mtu, max)
		return
	}
	if err := s.tun.SetMTU(name, mtu); err != nil {
		log.Errorf("could not set MTU of %s to %d: %v", name, mtu, err)
		return
	}
	s.mu.Lock()
	p.mtu = mtu
	s.mu.Unlock()
	log.Debugf("setting %s MTU to %d", name, mtu)
}

// failCookie answers AUTH_COOKIE_REQ with AUTH_FAILED.
func (s *server) failCookie(p *proc) error {
	s.mu.Lock()
	p.state = stAuthFailed
	s.mu.Unlock()
	return s.sendWorker(p, ipc.AuthCookieRep, &ipcpb.AuthCookieReply{Reply: ipcpb.AuthRep_AUTH_FAILED.Enum()}, -1)
}

var _ = proto.String
