package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ocserv-go/ocserv/internal/cstp"
	"github.com/ocserv-go/ocserv/internal/httpwire"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/tundev"
)

// tunBuf is the size of the per-direction packet buffers: a CSTP header
// plus the largest IP packet a tun device of MTU 16384 can return.
const tunBuf = cstp.HeaderLen + 16384

// session is an established tunnel.
type session struct {
	w      *worker
	rep    *ipcpb.AuthCookieReply
	tun    *tundev.Device
	cookie [httpwire.SIDLen]byte
	start  time.Time

	dpd, keepalive, idle, sessionTimeout, statsEvery int
	mtuOpt, subnetPrefix, linkMTU, dataMTU           int
	netPrio                                          int // packed net-priority (netprio.go)

	bytesIn, bytesOut atomic.Uint64 // to tun (from client) / from tun (to client)
	lastRecv          atomic.Int64  // unix nanos of the last CSTP packet received
	lastData          atomic.Int64  // unix nanos of the last DATA either way

	dtls *dtlsState // nil when the tunnel has no UDP channel (dtls.go)
	comp *compState // nil unless compression was negotiated (compress.go)

	// rx-data-per-sec / tx-data-per-sec (bandwidth.go); nil: unlimited.
	rxLimit, txLimit *bandwidth
}

func (s *session) close() { s.tun.Close() }

// end is how a goroutine of the data path finished.
type end struct {
	reason int
	err    error
}

// run moves packets until the session ends and returns the REASON_*.
//
// Three goroutines move data (tun→client, client→tun, main's commands)
// and DTLS adds its own; this goroutine owns the timers and the end of
// the session. It never blocks on the client: every write to the client
// has a deadline (cstp.Writer, dtlsx.PacketConn), the control writes (the
// DPD request, the disconnect on SIGTERM) give up when a data write holds
// the writer, and teardown closes the socket under a stuck write.
func (s *session) run(ctx context.Context) (int, error) {
	w := s.w
	now := time.Now().UnixNano()
	s.lastRecv.Store(now)
	s.lastData.Store(now)
	wr := cstp.NewWriter(w.tlsConn)
	wr.SetTimeout(s.writeTimeout())
	s.limitBandwidth(bwClock)
	done := make(chan end, 4)
	var once sync.Once
	finish := func(e end) {
		once.Do(func() { done <- e })
	}
	// The DTLS state (ctx, link MTU, finish) must be complete before
	// cmdLoop can hand it a UDP socket and a DTLS BYE can call finish.
	s.dtlsStart(ctx, finish)
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); s.tunToTLS(wr, finish) }()
	go func() { defer wg.Done(); s.tlsToTun(wr, finish) }()
	go func() { defer wg.Done(); s.cmdLoop(finish) }()

	every := w.p.CheckEvery
	if every <= 0 {
		every = time.Second
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	lastStats := time.Now()
	var dpdBusy atomic.Bool // a DPD request is being written (checkTimers)
	var e end
loop:
	for {
		select {
		case e = <-done:
			break loop
		case <-ctx.Done():
			w.log.Infof("worker terminated by signal, sending disconnect")
			if err := wr.TryWritePacket(cstp.TypeDisconnect, nil, kickWait, kickTimeout); err != nil {
				w.log.Debugf("could not send the disconnect to the client: %v", err)
			}
			e = end{reason: ReasonServerDisconnect}
			break loop
		case t := <-tick.C:
			if r := s.checkTimers(t, wr, &dpdBusy); r != 0 {
				e = end{reason: r}
				break loop
			}
			if s.statsEvery > 0 && t.Sub(lastStats) >= time.Duration(s.statsEvery)*time.Second {
				lastStats = t
				go s.sendStats(0)
			}
		}
	}
	// Stop the goroutines: closing the tun and the TLS connection wakes
	// the readers (and a writer blocked on a client that does not read),
	// and the cmd socket read is interrupted by a deadline.
	s.dtlsStop()
	s.tun.Close()
	s.closeClient()
	_ = w.p.Cmd.SetReadDeadline(time.Now())
	waitTimeout(&wg, 5*time.Second)
	s.sendStats(e.reason)
	return e.reason, e.err
}

// Bounds of the writes to the client made by the control loop: the
// disconnect sent on termination waits at most kickWait for a data write
// in progress and then at most kickTimeout for the client to take it.
const (
	kickWait    = time.Second
	kickTimeout = 2 * time.Second
	// closeNotifyWait bounds the TLS close_notify at teardown; after it
	// the TCP socket is closed under it.
	closeNotifyWait = time.Second
)

// writeTimeout is how long one CSTP record may wait for the client to
// drain its TCP window before the session is dropped: the longer of
// cstp.DefaultWriteTimeout and the DPD interval, so that a client DPD
// allows is never cut off by the writer first.
func (s *session) writeTimeout() time.Duration {
	return max(cstp.DefaultWriteTimeout, time.Duration(s.dpd)*time.Second)
}

// closeClient ends the TLS connection without ever blocking on a client
// that stopped reading: the close_notify gets closeNotifyWait, then the
// TCP socket is closed, which also fails any write still in progress.
func (s *session) closeClient() {
	w := s.w
	done := make(chan struct{})
	go func() {
		_ = w.tlsConn.Close()
		close(done)
	}()
	t := time.NewTimer(closeNotifyWait)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		w.log.Debugf("client did not take the TLS close_notify; closing the socket")
	}
	if w.p.Conn != nil {
		_ = w.p.Conn.Close()
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	c := make(chan struct{})
	go func() { wg.Wait(); close(c) }()
	select {
	case <-c:
	case <-time.After(d):
	}
}

// checkTimers applies DPD, idle and session timeouts (worker-vpn.c
// periodic_check) and returns a reason when the session must end. It
// never writes to the client itself: the DPD request goes out from its own
// goroutine (at most one at a time, tracked by dpdBusy), so a client that
// stopped reading cannot stall the timers.
func (s *session) checkTimers(t time.Time, wr *cstp.Writer, dpdBusy *atomic.Bool) int {
	now := t.UnixNano()
	if s.dpd > 0 {
		silent := time.Duration(now - s.lastRecv.Load())
		d := time.Duration(s.dpd) * time.Second
		if silent > 3*d {
			s.w.log.Infof("have not received TCP DPD for long (%d secs)", int(silent/time.Second))
			return ReasonDPDTimeout
		}
		if silent > 2*d && dpdBusy.CompareAndSwap(false, true) {
			go func() {
				defer dpdBusy.Store(false)
				// A busy writer means data is flowing to the
				// client; this tick's request is skipped.
				if err := wr.TryWritePacket(cstp.TypeDPDReq, nil, 0, 0); err != nil && !errors.Is(err, cstp.ErrBusy) {
					s.w.log.Debugf("sending DPD request: %v", err)
				}
			}()
		}
	}
	s.dtlsCheck(t)
	if s.idle > 0 && time.Duration(now-s.lastData.Load()) > time.Duration(s.idle)*time.Second {
		s.w.log.Infof("idle timeout reached for process (%d secs)", s.idle)
		return ReasonIdleTimeout
	}
	if s.sessionTimeout > 0 {
		start := time.Unix(int64(s.w.st.GetSessionStartTime()), 0)
		if t.Sub(start) > time.Duration(s.sessionTimeout)*time.Second {
			s.w.log.Infof("session timeout reached for process (%d secs)", s.sessionTimeout)
			return ReasonSessionTimeout
		}
	}
	return 0
}

// tunToTLS sends every packet read from the tun as one CSTP DATA packet,
// i.e. one TLS record. The buffer is reused: no allocation per packet.
// While a write waits for a slow client the tun is not read, so the
// kernel's tun queue fills and drops packets as a router would; a write
// the client does not take within the writer's timeout ends the session.
func (s *session) tunToTLS(wr *cstp.Writer, finish func(end)) {
	buf := make([]byte, tunBuf)
	for {
		n, err := s.tun.ReadPacket(buf[cstp.HeaderLen:])
		if err != nil {
			finish(end{reason: ReasonError, err: fmt.Errorf("worker: reading tun: %w", err)})
			return
		}
		if n == 0 {
			continue
		}
		dbuf, dn, dtyp, cbuf, cn, ctyp := s.compOut(buf, n)
		if !s.txLimit.allow(dn) {
			continue // over tx-data-per-sec: dropped
		}
		if s.dtlsSendAs(dbuf, dn, dtyp) {
			s.bytesOut.Add(uint64(n))
			s.lastData.Store(time.Now().UnixNano())
			continue
		}
		if err := wr.WriteFrame(cbuf[:cstp.HeaderLen+cn], ctyp); err != nil {
			finish(end{reason: ReasonError, err: fmt.Errorf("worker: sending to client: %w", err)})
			return
		}
		s.bytesOut.Add(uint64(n))
		s.lastData.Store(time.Now().UnixNano())
	}
}

// tlsToTun reads CSTP packets (through the HTTP layer's buffered reader,
// which may already hold tunnel bytes) and handles them.
func (s *session) tlsToTun(wr *cstp.Writer, finish func(end)) {
	rd := cstp.NewReader(s.w.http.Reader(), 16384)
	var zbuf []byte // decompression buffer (compress.go)
	for {
		p, err := rd.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				finish(end{reason: ReasonError, err: nil})
				s.w.log.Infof("client closed the connection")
			} else {
				finish(end{reason: ReasonError, err: fmt.Errorf("worker: reading from client: %w", err)})
			}
			return
		}
		now := time.Now().UnixNano()
		s.lastRecv.Store(now)
		switch p.Type {
		case cstp.TypeData:
			if !s.rxLimit.allow(len(p.Payload)) {
				continue // over rx-data-per-sec: dropped
			}
			s.lastData.Store(now)
			s.dtlsClientUsedTCP()
			if len(p.Payload) == 0 {
				continue
			}
			if err := s.tun.WritePacket(p.Payload); err != nil {
				s.w.log.Debugf("could not write to tun: %v", err)
				continue
			}
			s.bytesIn.Add(uint64(len(p.Payload)))
		case cstp.TypeDPDReq:
			if err := wr.WriteDPDResponse(p.Payload); err != nil {
				finish(end{reason: ReasonError, err: fmt.Errorf("worker: DPD response: %w", err)})
				return
			}
		case cstp.TypeDPDResp, cstp.TypeKeepalive:
		case cstp.TypeDisconnect:
			kind, _ := cstp.ParseDisconnect(p.Payload)
			switch kind {
			case cstp.DisconnectUser:
				s.w.log.Infof("received BYE packet; exiting")
				finish(end{reason: ReasonUserDisconnect})
			case cstp.DisconnectTemporary:
				s.w.log.Infof("received temporary disconnect; exiting")
				finish(end{reason: ReasonTempDisconnect})
			default:
				finish(end{reason: ReasonError, err: errors.New("worker: invalid DISCONNECT payload")})
			}
			return
		case cstp.TypeCompressed:
			cd := s.cstpCodec()
			if cd == nil {
				finish(end{reason: ReasonError, err: errors.New("worker: compressed packet but no compression negotiated")})
				return
			}
			if !s.rxLimit.allow(len(p.Payload)) {
				continue
			}
			s.lastData.Store(now)
			s.dtlsClientUsedTCP()
			pkt, ok := s.compIn(cd, p.Payload, &zbuf)
			if !ok || len(pkt) == 0 {
				continue
			}
			if err := s.tun.WritePacket(pkt); err != nil {
				s.w.log.Debugf("could not write to tun: %v", err)
				continue
			}
			s.bytesIn.Add(uint64(len(pkt)))
		default:
			s.w.log.Debugf("received unknown CSTP packet type 0x%02x", byte(p.Type))
		}
	}
}

// cmdLoop reads main's messages; EOF means main is gone.
func (s *session) cmdLoop(finish func(end)) {
	for {
		fr, err := ipc.Recv(s.w.p.Cmd, ipc.MaxMsgSize, 0)
		if err != nil {
			if errors.Is(err, io.EOF) {
				s.w.log.Infof("main process closed the command socket; exiting")
				finish(end{reason: ReasonServerDisconnect})
			} else {
				finish(end{reason: ReasonError, err: fmt.Errorf("worker: cmd socket: %w", err)})
			}
			return
		}
		if fr.Cmd == ipc.CmdUDPFD {
			s.dtlsUDPFD(&fr)
		}
		fr.Close()
		if fr.Cmd == ipc.CmdTerminate {
			finish(end{reason: ReasonServerDisconnect})
			return
		}
	}
}

// sendStats reports the byte counters to sec-mod; reason != 0 marks the
// final report, after which sec-mod closes the connection.
func (s *session) sendStats(reason int) {
	w := s.w
	m := &ipcpb.CliStats{
		BytesIn:  ptr(s.bytesIn.Load()),
		BytesOut: ptr(s.bytesOut.Load()),
		Sid:      s.cookie[:],
		Uptime:   ptr(uint32(time.Since(s.start) / time.Second)),
		RemoteIp: ptr(w.remoteIP),
		Ipv4:     ptr(s.rep.GetIpv4()),
		Ipv6:     ptr(s.rep.GetIpv6()),
	}
	if reason != 0 {
		m.DisconReason = ptr(uint32(reason))
	}
	if err := ipc.Notify(w.st.GetSecmodPath(), ipc.CmdSecCliStats, m, reason != 0, ipc.KeyOpTimeout); err != nil {
		w.log.Debugf("error sending statistics to sec-mod: %v", err)
		return
	}
	w.log.Infof("sent periodic stats (in: %d, out: %d) to sec-mod", m.GetBytesIn(), m.GetBytesOut())
}
