package dtlsx

import (
	"bytes"
	"context"
	"net"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
)

// pair returns a connected UDP socket pair on loopback: the server end as
// main would hand it over (with the first datagram read) is built by the
// caller once the client has sent.
func udpPair(t *testing.T) (srv, cli *net.UDPConn) {
	t.Helper()
	a, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	b, err := net.DialUDP("udp4", nil, a.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	a.Close()
	s, err := net.DialUDP("udp4", a.LocalAddr().(*net.UDPAddr), b.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(); b.Close() })
	return s, b
}

// clientPC adapts a connected client socket for pion.
type clientPC struct{ *net.UDPConn }

func (c clientPC) ReadFrom(b []byte) (int, net.Addr, error) {
	n, err := c.Read(b)
	return n, c.RemoteAddr(), err
}
func (c clientPC) WriteTo(b []byte, _ net.Addr) (int, error) { return c.Write(b) }

func TestPSKHandshakeAndData(t *testing.T) {
	srvSock, cliSock := udpPair(t)
	psk := bytes.Repeat([]byte{9}, 32)
	type res struct {
		s   *Session
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := ServerPSK(context.Background(), NewPacketConn(srvSock, nil), PSKConfig{PSK: psk, Suites: PSKSuites(false, ""), MTU: 1400, HandshakeTimeout: 5 * time.Second})
		ch <- res{s, err}
	}()
	cli, err := dtls.ClientWithOptions(clientPC{cliSock}, cliSock.RemoteAddr(),
		dtls.WithPSK(func([]byte) ([]byte, error) { return psk, nil }),
		dtls.WithPSKIdentityHint([]byte("psk")),
		dtls.WithCipherSuites(dtls.TLS_PSK_WITH_AES_128_GCM_SHA256))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := cli.HandshakeContext(ctx); err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	defer r.s.Close()
	if r.s.CipherName() != "(DTLS1.2)-(PSK)-(AES-128-GCM)" || r.s.Overhead() != 37 {
		t.Fatalf("got %q %d", r.s.CipherName(), r.s.Overhead())
	}
	if _, err := cli.Write([]byte{0, 1, 2, 3}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 2048)
	_ = r.s.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := r.s.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], []byte{0, 1, 2, 3}) {
		t.Fatalf("read %x %v", buf[:n], err)
	}
}

// TestResumeFallThroughIsClean: a client that does not resume (full
// handshake with the RSA-GCM resumption suite) must get a failed
// handshake, not crash the process (pion's nil key pair, dtls.md §4).
func TestResumeFallThroughIsClean(t *testing.T) {
	srvSock, cliSock := udpPair(t)
	ch := make(chan error, 1)
	go func() {
		s, err := ServerResume(context.Background(), NewPacketConn(srvSock, nil), ResumeConfig{
			SessionID: bytes.Repeat([]byte{1}, 32), MasterSecret: bytes.Repeat([]byte{2}, 48),
			Suite: SuiteRSAAES256GCM, HandshakeTimeout: 3 * time.Second})
		if s != nil {
			s.Close()
		}
		ch <- err
	}()
	cli, err := dtls.ClientWithOptions(clientPC{cliSock}, cliSock.RemoteAddr(),
		dtls.WithCipherSuites(dtls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256),
		dtls.WithCustomCipherSuites(func() []dtls.CipherSuite { return []dtls.CipherSuite{newGCMSuite(SuiteRSAAES256GCM)} }),
		dtls.WithInsecureSkipVerify(true))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_ = cli.HandshakeContext(ctx) // may complete on the client side; the server must refuse
	cli.Close()
	if err := <-ch; err == nil {
		t.Fatal("server accepted a non-resumed handshake")
	}
}
