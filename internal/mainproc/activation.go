package mainproc

// systemd socket activation (runs in main only, at start-up, before any
// child exists). It follows ocserv's main.c: when systemd passes sockets
// (LISTEN_PID = our pid, LISTEN_FDS = n, fds 3..3+n-1) they become the
// listeners instead of binding listen-host:tcp-port; each stream socket's
// port overwrites tcp-port and each datagram socket's port overwrites
// udp-port (the last of each kind wins), and listen-host, udp-listen-host
// and listen-netns are not used. Sockets that are not internet sockets or
// neither stream nor datagram are reported and skipped; none usable is a
// start-up failure. The workers receive the configuration as a snapshot of
// the file, so the overwritten ports are written into that snapshot
// (activatedPorts).

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// listenFDsStart is SD_LISTEN_FDS_START.
const listenFDsStart = 3

// activation is what systemd passed.
type activation struct {
	tcp     []*net.TCPListener
	udp     []*udpListener
	tcpPort int // 0: no stream socket
	udpPort int // 0: no datagram socket
}

// activatedSet is the result of takeActivated for the rest of start-up
// (startUDP, takeSnapshot); it is written once before any goroutine that
// reads it starts.
var activatedSet *activation

// takeActivated returns the sockets systemd passed, or nil when main was not
// socket-activated. The LISTEN_* variables are removed from the
// environment so that sec-mod and the workers do not see them, and the
// descriptors are made close-on-exec. warn receives ocserv's messages for
// skipped descriptors.
func takeActivated(warn func(string)) (*activation, error) {
	pidStr, fdsStr := os.Getenv("LISTEN_PID"), os.Getenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_PID")
	os.Unsetenv("LISTEN_FDS")
	os.Unsetenv("LISTEN_FDNAMES")
	if pidStr == "" || fdsStr == "" {
		return nil, nil
	}
	if pid, err := strconv.Atoi(pidStr); err != nil || pid != os.Getpid() {
		return nil, nil
	}
	n, err := strconv.Atoi(fdsStr)
	if err != nil || n <= 0 {
		return nil, nil
	}
	a := &activation{}
	for fd := listenFDsStart; fd < listenFDsStart+n; fd++ {
		unix.CloseOnExec(fd)
		if err := a.add(fd, warn); err != nil {
			warn(err.Error())
			unix.Close(fd)
		}
	}
	if len(a.tcp) == 0 && len(a.udp) == 0 {
		return nil, errors.New("no useful sockets were provided by systemd")
	}
	return a, nil
}

// add takes one passed descriptor.
func (a *activation) add(fd int, warn func(string)) error {
	domain, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	if err != nil || (domain != unix.AF_INET && domain != unix.AF_INET6) {
		return errors.New("Non-internet socket fd received!")
	}
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil || (typ != unix.SOCK_STREAM && typ != unix.SOCK_DGRAM) {
		return errors.New("Non-TCP or UDP socket fd received!")
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return fmt.Errorf("getsockname on systemd socket %d: %w", fd, err)
	}
	var local netip.AddrPort
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		local = netip.AddrPortFrom(netip.AddrFrom4(sa.Addr), uint16(sa.Port))
	case *unix.SockaddrInet6:
		local = netip.AddrPortFrom(netip.AddrFrom16(sa.Addr).Unmap(), uint16(sa.Port))
	default:
		return errors.New("Non-internet socket fd received!")
	}
	f := os.NewFile(uintptr(fd), "systemd-socket-"+strconv.Itoa(fd))
	defer f.Close() // net.File* duplicate the descriptor
	if typ == unix.SOCK_STREAM {
		ln, err := net.FileListener(f)
		if err != nil {
			return fmt.Errorf("systemd socket %d: %w", fd, err)
		}
		tl, ok := ln.(*net.TCPListener)
		if !ok {
			ln.Close()
			return errors.New("Non-TCP or UDP socket fd received!")
		}
		a.tcp = append(a.tcp, tl)
		a.tcpPort = int(local.Port())
		return nil
	}
	// ocserv's UDP socket options: packet info so that each datagram's
	// local address is known.
	if domain == unix.AF_INET6 {
		if err := unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1); err != nil {
			return fmt.Errorf("systemd socket %d: IPV6_RECVPKTINFO: %w", fd, err)
		}
		// A dual-stack socket also sees IPv4 datagrams.
		_ = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_PKTINFO, 1)
	} else if err := unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_PKTINFO, 1); err != nil {
		return fmt.Errorf("systemd socket %d: IP_PKTINFO: %w", fd, err)
	}
	pc, err := net.FilePacketConn(f)
	if err != nil {
		return fmt.Errorf("systemd socket %d: %w", fd, err)
	}
	uc, ok := pc.(*net.UDPConn)
	if !ok {
		pc.Close()
		return errors.New("Non-TCP or UDP socket fd received!")
	}
	a.udp = append(a.udp, &udpListener{conn: uc, local: local})
	a.udpPort = int(local.Port())
	return nil
}

// closeAll closes every socket (start-up failure paths).
func (a *activation) closeAll() {
	for _, ln := range a.tcp {
		ln.Close()
	}
	for _, ln := range a.udp {
		ln.conn.Close()
	}
}

// activatedPorts writes the ports taken from systemd sockets into a
// configuration file's bytes (the snapshot the workers load): the lines go
// before the first [section] so that they are global, and as later lines
// they win over the file's own tcp-port/udp-port.
func activatedPorts(data []byte, tcpPort, udpPort int) []byte {
	var add bytes.Buffer
	add.WriteString("\n# ports of the sockets passed by systemd\n")
	if tcpPort != 0 {
		fmt.Fprintf(&add, "tcp-port = %d\n", tcpPort)
	}
	if udpPort != 0 {
		fmt.Fprintf(&add, "udp-port = %d\n", udpPort)
	}
	if tcpPort == 0 && udpPort == 0 {
		return data
	}
	at := len(data)
	for off := 0; off < len(data); {
		end := bytes.IndexByte(data[off:], '\n')
		line := data[off:]
		if end >= 0 {
			line = data[off : off+end]
		}
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] == '[' {
			at = off
			break
		}
		if end < 0 {
			break
		}
		off += end + 1
	}
	out := make([]byte, 0, len(data)+add.Len()+1)
	out = append(out, data[:at]...)
	out = append(out, add.Bytes()...)
	if at < len(data) {
		out = append(out, '\n')
	}
	return append(out, data[at:]...)
}

// openListeners is main's listener step: the systemd sockets when
// activated (their ports overwrite cfg's tcp-port/udp-port), else
// listen-host:tcp-port bound by listenTCP inside listen-netns.
func openListeners(cfg *config.Config, log *logx.Logger, stderr io.Writer) ([]*net.TCPListener, error) {
	listenNetns = cfg.ListenNetns
	a, err := takeActivated(func(m string) { fmt.Fprintln(stderr, m) })
	if err != nil {
		return nil, err
	}
	if a != nil {
		activatedSet = a
		if a.tcpPort != 0 {
			cfg.TCPPort = a.tcpPort
		}
		if a.udpPort != 0 {
			cfg.UDPPort = a.udpPort
		}
		log.Noticef("listening on %d systemd sockets...", len(a.tcp)+len(a.udp))
		return a.tcp, nil
	}
	var lns []*net.TCPListener
	err = inNetns(listenNetns, func() (err error) {
		lns, err = listenTCP(cfg.ListenHost, cfg.TCPPort)
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, ln := range lns {
		log.Noticef("listening (TCP) on %s...", ln.Addr())
	}
	return lns, nil
}

// activatedUDP returns the datagram sockets systemd passed (nil when not
// activated or none was passed).
func activatedUDP() ([]*udpListener, error) {
	if a := activatedSet; a != nil && len(a.udp) > 0 {
		return a.udp, nil
	}
	return nil, nil
}
