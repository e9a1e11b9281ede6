package worker

// listen-proxy-proto: the TCP stream main accepted starts with a HAProxy
// PROXY protocol header, which the worker reads before the TLS handshake
// (ocserv's src/worker-proxyproto.c, called from vpn_server). The addresses
// it carries are reported to main in a CMD_SESSION_INFO sent right after the
// handshake (remote_addr/our_addr, raw sockaddrs); main then uses them for
// occtl, the scripts' IP_REAL/IP_REAL_LOCAL and the ban check.
//
// As in ocserv 1.1.6 the worker itself keeps the proxy's address as its
// "remote IP": it is what main signed into the sec-mod auth-init HMAC, so
// the login is checked, logged and ban-scored against the proxy's address.
//
// Outcomes, as in ocserv:
//   - no header, short read, bad v2 signature, length > 520, timeout
//     (10 s), or a v2 command other than PROXY (LOCAL, a health check):
//     the connection is discarded;
//   - v2 with a version other than 2, an unsupported family or protocol,
//     or too few address bytes: the header is consumed and skipped (the
//     proxy's address stays);
//   - TLVs are ignored (ocserv reads them only on Unix-socket listeners).
//
// A v1 text header ("PROXY TCP4 src dst sport dport\r\n") is accepted too,
// as ocserv 1.1.6 does (checked with haproxy's send-proxy against it).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// proxyHeaderTimeout bounds reading the header (ocserv's
// DEFAULT_SOCKET_TIMEOUT).
const proxyHeaderTimeout = 10 * time.Second

var proxyV2Sig = []byte("\r\n\r\n\x00\r\nQUIT\n")

const (
	proxyV2MaxData = 520 // ocserv's buffer for the v2 address block + TLVs
	proxyV1MaxLine = 107 // the v1 specification's longest header line
)

// proxyHeader is what a PROXY header told.
type proxyHeader struct {
	version int
	// hasAddr: src/dst are valid (a skipped header leaves them zero).
	hasAddr  bool
	src, dst netip.AddrPort
}

// errProxyHeader: the connection must be discarded.
var errProxyHeader = errors.New("invalid PROXY protocol header")

// parseProxyHeader reads one PROXY header (v2, or v1) from r, consuming
// exactly its bytes and nothing of the TLS stream after it.
func parseProxyHeader(r io.Reader) (proxyHeader, error) {
	var h proxyHeader
	var fixed [16]byte
	if _, err := io.ReadFull(r, fixed[:5]); err != nil {
		return h, fmt.Errorf("%w: short read: %v", errProxyHeader, err)
	}
	if string(fixed[:5]) == "PROXY" {
		return parseProxyV1(r)
	}
	if _, err := io.ReadFull(r, fixed[5:]); err != nil {
		return h, fmt.Errorf("%w: invalid v2 header size: %v", errProxyHeader, err)
	}
	if !bytes.Equal(fixed[:12], proxyV2Sig) {
		return h, fmt.Errorf("%w: invalid v2 header", errProxyHeader)
	}
	n := int(binary.BigEndian.Uint16(fixed[14:16]))
	if n > proxyV2MaxData {
		return h, fmt.Errorf("%w: too long v2 header size", errProxyHeader)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return h, fmt.Errorf("%w: reading v2 data: %v", errProxyHeader, err)
	}
	if fixed[12]>>4 != 2 {
		return h, nil // skipped (version 0: unknown)
	}
	h.version = 2
	if fixed[12]&0x0f != 1 {
		if fixed[13] == 0 {
			return h, fmt.Errorf("%w: received health check command", errProxyHeader)
		}
		return h, fmt.Errorf("%w: unsupported command %x", errProxyHeader, fixed[12]&0x0f)
	}
	family, proto := fixed[13]>>4, fixed[13]&0x0f
	if (family != 1 && family != 2) || (proto != 0 && proto != 1) {
		return h, nil // skipped
	}
	switch family {
	case 1:
		if n < 12 {
			return h, nil
		}
		h.src = netip.AddrPortFrom(netip.AddrFrom4([4]byte(data[0:4])), binary.BigEndian.Uint16(data[8:10]))
		h.dst = netip.AddrPortFrom(netip.AddrFrom4([4]byte(data[4:8])), binary.BigEndian.Uint16(data[10:12]))
	case 2:
		if n < 36 {
			return h, nil
		}
		h.src = netip.AddrPortFrom(netip.AddrFrom16([16]byte(data[0:16])), binary.BigEndian.Uint16(data[32:34]))
		h.dst = netip.AddrPortFrom(netip.AddrFrom16([16]byte(data[16:32])), binary.BigEndian.Uint16(data[34:36]))
	}
	h.hasAddr = true
	return h, nil
}

// parseProxyV1 reads the rest of a v1 line ("PROXY" already consumed) one
// byte at a time, so that nothing after its CRLF is read.
func parseProxyV1(r io.Reader) (proxyHeader, error) {
	h := proxyHeader{version: 1}
	line := make([]byte, 0, proxyV1MaxLine)
	line = append(line, "PROXY"...)
	var b [1]byte
	for {
		if len(line) >= proxyV1MaxLine {
			return h, fmt.Errorf("%w: v1 line too long", errProxyHeader)
		}
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return h, fmt.Errorf("%w: v1 short read: %v", errProxyHeader, err)
		}
		line = append(line, b[0])
		if b[0] == '\n' {
			break
		}
	}
	s, ok := strings.CutSuffix(string(line), "\r\n")
	if !ok {
		return h, fmt.Errorf("%w: v1 line not ended by CRLF", errProxyHeader)
	}
	f := strings.Split(s, " ")
	if len(f) >= 2 && f[0] == "PROXY" && f[1] == "UNKNOWN" {
		return h, nil // skipped: the proxy's own address stays
	}
	if len(f) != 6 || f[0] != "PROXY" || (f[1] != "TCP4" && f[1] != "TCP6") {
		return h, fmt.Errorf("%w: malformed v1 line", errProxyHeader)
	}
	src, err1 := netip.ParseAddr(f[2])
	dst, err2 := netip.ParseAddr(f[3])
	sp, err3 := strconv.ParseUint(f[4], 10, 16)
	dp, err4 := strconv.ParseUint(f[5], 10, 16)
	if err := errors.Join(err1, err2, err3, err4); err != nil || src.Zone() != "" || dst.Zone() != "" ||
		src.Is4() != (f[1] == "TCP4") || dst.Is4() != (f[1] == "TCP4") {
		return h, fmt.Errorf("%w: malformed v1 addresses", errProxyHeader)
	}
	h.src, h.dst = netip.AddrPortFrom(src, uint16(sp)), netip.AddrPortFrom(dst, uint16(dp))
	h.hasAddr = true
	return h, nil
}

// readProxyHeader reads the header from the client connection with the
// timeout and records the addresses it carries (the start-up message's
// sockaddrs otherwise).
func (w *worker) readProxyHeader(c net.Conn) error {
	w.log.Debugf("accepted proxy protocol connection")
	_ = c.SetReadDeadline(time.Now().Add(proxyHeaderTimeout))
	h, err := parseProxyHeader(c)
	_ = c.SetReadDeadline(time.Time{})
	if err != nil {
		w.log.Errorf("proxy-hdr: %v", err)
		w.log.Errorf("could not parse proxy protocol header; discarding connection")
		return err
	}
	w.proxyRemote, w.proxyOur = w.st.GetRemoteAddr(), w.st.GetOurAddr()
	if h.hasAddr {
		w.proxyRemote, w.proxyOur = ipc.Sockaddr(h.src), ipc.Sockaddr(h.dst)
		w.log.Debugf("proxy-hdr: peer is %s (v%d, connected to %s)", h.src.Addr().Unmap(), h.version, h.dst.Addr().Unmap())
	} else {
		w.log.Infof("proxy-hdr: v%d header without usable addresses; skipping it", h.version)
	}
	return nil
}

// sendProxyAddrs is ocserv's session_info_send right after the TLS
// handshake when listen-proxy-proto is on: the TLS description and the
// addresses learnt from the header.
func (w *worker) sendProxyAddrs() error {
	info := &ipcpb.SessionInfo{
		TlsCiphersuite: ptr(w.keys.describe(w.tlsConn.ConnectionState())),
		RemoteAddr:     w.proxyRemote,
		OurAddr:        w.proxyOur,
	}
	if err := ipc.Send(w.p.Cmd, ipc.CmdSessionInfo, info, -1); err != nil {
		return fmt.Errorf("worker: sending CMD_SESSION_INFO: %w", err)
	}
	return nil
}
