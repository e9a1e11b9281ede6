package mainproc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"syscall"
	"time"
)

// acceptGate pauses and resumes accepting as ocserv's listen_watcher_cb
// and resume_accept_cb do: over max-clients main stops accepting (new
// connections wait in the kernel's backlog) and looks again every second,
// resuming once the number of clients is below 90 % of the limit; with
// rate-limit-ms it stops for that long after an accept when sec-mod's
// listening socket is backlogged (or its queue cannot be read).
type acceptGate struct {
	resume <-chan time.Time // non-nil while paused
}

// paused reports whether accepting is stopped.
func (g *acceptGate) paused() bool { return g.resume != nil }

// afterAccept is run after each accepted connection.
func (s *server) gateAfterAccept(g *acceptGate, secmodPath string) {
	cfg := s.config()
	if cfg.MaxClients > 0 && s.activeClients() >= cfg.MaxClients {
		g.resume = time.After(time.Second)
	}
	if cfg.RateLimitMs > 0 {
		rq, wq, err := unixListenQueue(secmodPath)
		s.log.Debugf("queue_length retval:%d rqueue:%d wqueue:%d", errCode(err), rq, wq)
		if err != nil || rq > wq/2 {
			s.log.Infof("delaying accepts for %d ms", cfg.RateLimitMs)
			g.resume = time.After(time.Duration(cfg.RateLimitMs) * time.Millisecond)
		}
	}
}

// gateResume is the resume timer's callback: accept again unless still
// at 90 % of max-clients, else look again in a second.
func (s *server) gateResume(g *acceptGate) {
	threshold := s.config().MaxClients * 9 / 10
	if threshold == 0 || s.activeClients() < threshold {
		g.resume = nil
		return
	}
	g.resume = time.After(time.Second)
}

func errCode(err error) int {
	if err != nil {
		return -1
	}
	return 0
}

// unixListenQueue asks the kernel (NETLINK_SOCK_DIAG, unix_diag) for the
// accept queue of the listening Unix socket bound to path: rq is the
// number of pending connections, wq the backlog limit.
func unixListenQueue(path string) (rq, wq uint32, err error) {
	fd, err := syscall.Socket(syscall.AF_NETLINK, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 4 /* NETLINK_SOCK_DIAG */)
	if err != nil {
		return 0, 0, fmt.Errorf("sock_diag socket: %w", err)
	}
	defer syscall.Close(fd)
	tv := syscall.Timeval{Sec: 1}
	syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	const (
		sockDiagByFamily = 20
		udiagShowName    = 0x01
		udiagShowRQLen   = 0x10
		udiagName        = 0
		udiagRQLen       = 4
		tcpListen        = 10
	)
	req := make([]byte, 16+24)
	ne := binary.NativeEndian
	ne.PutUint32(req[0:], uint32(len(req)))
	ne.PutUint16(req[4:], sockDiagByFamily)
	ne.PutUint16(req[6:], syscall.NLM_F_REQUEST|syscall.NLM_F_DUMP)
	ne.PutUint32(req[8:], 1)
	req[16] = syscall.AF_UNIX
	ne.PutUint32(req[20:], 1<<tcpListen)
	ne.PutUint32(req[28:], udiagShowName|udiagShowRQLen)
	ne.PutUint32(req[32:], ^uint32(0))
	ne.PutUint32(req[36:], ^uint32(0))
	if err := syscall.Sendto(fd, req, 0, &syscall.SockaddrNetlink{Family: syscall.AF_NETLINK}); err != nil {
		return 0, 0, fmt.Errorf("sock_diag send: %w", err)
	}
	buf := make([]byte, 32<<10)
	for round := 0; round < 1000; round++ {
		n, _, err := syscall.Recvfrom(fd, buf, 0)
		if err != nil {
			return 0, 0, fmt.Errorf("sock_diag recv: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return 0, 0, fmt.Errorf("sock_diag parse: %w", err)
		}
		for _, m := range msgs {
			switch m.Header.Type {
			case syscall.NLMSG_DONE:
				return 0, 0, errors.New("sock_diag: socket not found")
			case syscall.NLMSG_ERROR:
				return 0, 0, errors.New("sock_diag: error reply")
			}
			if len(m.Data) < 16 {
				continue
			}
			var name string
			var haveQ bool
			attrs := m.Data[16:] // after struct unix_diag_msg
			for i := 0; i < 64 && len(attrs) >= 4; i++ {
				l, typ := int(ne.Uint16(attrs[0:])), ne.Uint16(attrs[2:])
				if l < 4 || l > len(attrs) {
					break
				}
				v := attrs[4:l]
				switch {
				case typ == udiagName:
					name = strings.TrimRight(string(v), "\x00")
				case typ == udiagRQLen && len(v) >= 8:
					rq, wq, haveQ = ne.Uint32(v[0:]), ne.Uint32(v[4:]), true
				}
				adv := (l + 3) &^ 3
				if adv > len(attrs) {
					break
				}
				attrs = attrs[adv:]
			}
			if name == path && haveQ {
				return rq, wq, nil
			}
		}
	}
	return 0, 0, errors.New("sock_diag: too many replies")
}
