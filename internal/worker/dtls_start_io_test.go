package worker

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/pion/dtls/v3"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// ioUDPPair returns a connected server/client UDP socket pair on loopback.
func ioUDPPair(t *testing.T) (srv, cli *net.UDPConn) {
	t.Helper()
	a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	cli, err = net.DialUDP("udp4", nil, a.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	srv, err = net.DialUDP("udp4", a.LocalAddr().(*net.UDPAddr), cli.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close(); cli.Close() })
	return srv, cli
}

type ioClientPC struct{ *net.UDPConn }

func (c ioClientPC) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := c.Read(b)
	return n, c.RemoteAddr(), err
}
func (c ioClientPC) WriteTo(b []byte, _ net.Addr) (int, error) { return c.Write(b) }

// ioDTLSMain is a fake main that hands the worker its UDP socket (with the
// client's first datagram) at the earliest moment a real main can: right
// after the worker's CMD_SESSION_INFO, i.e. while the worker enters
// session.run.
func ioDTLSMain(h *harness, c *net.UnixConn, tunFD int, srv *net.UDPConn) {
	sent := false
	for {
		fr, err := ipc.Recv(c, ipc.MaxMsgSize, 0)
		if err != nil {
			return
		}
		fr.Close()
		switch fr.Cmd {
		case ipc.AuthCookieReq:
			v := h.cfg.Default()
			gc := &ipcpb.GroupConfig{Dpd: ptr(uint32(v.DPD)), Keepalive: ptr(uint32(v.Keepalive)), Mtu: ptr(uint32(v.MTU)),
				Ipv4Netmask: ptr(v.IPv4Netmask), TunnelAllDns: ptr(uint32(0))}
			rep := &ipcpb.AuthCookieReply{Reply: ipcpb.AuthRep_AUTH_OK.Enum(), SessionId: make([]byte, 32),
				Sid: []byte(testSID), Vname: ptr(""), UserName: ptr("alice"), GroupName: ptr(""),
				Ipv4: ptr("172.17.1.50"), Ipv4Local: ptr("172.17.1.1"), Config: gc}
			_ = ipc.Send(c, ipc.AuthCookieRep, rep, tunFD)
		case ipc.CmdSessionInfo:
			if sent {
				continue
			}
			sent = true
			buf := make([]byte, 2048)
			_ = srv.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := srv.Read(buf)
			_ = srv.SetReadDeadline(time.Time{})
			if err != nil {
				h.t.Errorf("fake main: no ClientHello: %v", err)
				return
			}
			f, err := srv.File()
			if err != nil {
				h.t.Errorf("fake main: %v", err)
				return
			}
			_ = ipc.Send(c, ipc.CmdUDPFD, &ipcpb.UdpFd{Hello: ptr(true), Data: buf[:n]}, int(f.Fd()))
			f.Close()
		}
	}
}

// TestDTLSEarlyUDPFDAndBye: main hands over the UDP socket as soon as the
// tunnel starts and the client says BYE over DTLS right after its
// handshake. The worker must take the socket (not drop it because its
// DTLS state is not ready yet) and end with "user disconnect". Under
// `go test -race` this also shows the start-up race of the base commit
// (cmdLoop read the DTLS state while dtlsStart was still writing it).
func TestDTLSEarlyUDPFDAndBye(t *testing.T) {
	h := newHarness(t, [][2]string{{"dtls-psk", "true"}}, func(h *harness) { h.external = true })
	srv, cli := ioUDPPair(t)

	cc, sc := tcpPair(t)
	wcmd, mcmd, err := ipc.SocketpairConns()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wcmd.Close(); mcmd.Close() })
	go ioDTLSMain(h, mcmd, h.tunFD, srv)
	go func() {
		res, err := Run(h.ctx, Params{Startup: h.st, Cmd: wcmd, Conn: sc, CheckEvery: 50 * time.Millisecond})
		h.done <- runResult{res, err}
	}()
	h.cliConn = tls.Client(cc, &tls.Config{InsecureSkipVerify: true, ServerName: "vpn.test"})
	_ = h.cliConn.SetDeadline(time.Now().Add(20 * time.Second))
	if err := h.cliConn.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	t.Cleanup(func() { h.cliConn.Close() })
	h.br = bufio.NewReader(h.cliConn)
	cs := h.cliConn.ConnectionState()
	psk, err := cs.ExportKeyingMaterial("EXPORTER-openconnect-psk", nil, 32)
	if err != nil {
		t.Fatal(err)
	}
	cookie := h.login()

	// The DTLS client starts first so that its ClientHello waits in the
	// server socket for the fake main.
	type hs struct {
		c   *dtls.Conn
		err error
	}
	hsc := make(chan hs, 1)
	go func() {
		c, err := dtls.ClientWithOptions(ioClientPC{cli}, cli.RemoteAddr(),
			dtls.WithPSK(func([]byte) ([]byte, error) { return psk, nil }),
			dtls.WithPSKIdentityHint([]byte("psk")),
			dtls.WithCipherSuites(dtls.TLS_PSK_WITH_AES_128_GCM_SHA256))
		if err == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			err = c.HandshakeContext(ctx)
			cancel()
		}
		hsc <- hs{c, err}
	}()
	req := strings.Replace(fmt.Sprintf(connectH, cookie), "\r\n\r\n", "\r\nX-DTLS-CipherSuite: PSK-NEGOTIATE\r\n\r\n", 1)
	r := h.do(req)
	if r.status != "HTTP/1.1 200 CONNECTED" || r.header("X-DTLS-App-ID") == "" {
		t.Fatalf("CONNECT: %s, headers %q (want DTLS PSK)", r.status, r.headers)
	}
	var d hs
	select {
	case d = <-hsc:
	case <-time.After(20 * time.Second):
		t.Fatal("DTLS handshake did not finish: the worker dropped the early UDP socket")
	}
	if d.err != nil {
		t.Fatalf("DTLS handshake: %v (the worker dropped the early UDP socket?)", d.err)
	}
	defer d.c.Close()
	if _, err := d.c.Write([]byte{dtlsDisconnect, 0xb0}); err != nil {
		t.Fatal(err)
	}
	res := ioWait(t, h)
	if res.res.Reason != ReasonUserDisconnect {
		t.Fatalf("reason %d (%v), want user disconnect from the DTLS BYE", res.res.Reason, res.err)
	}
}
