package dtls09

import (
	"net"
	"testing"
	"time"
)

// testPeer is the client end of a loopback UDP pair.
type testPeer struct {
	*net.UDPConn
	to net.Addr
}

// udpPair returns a connected server socket (as main hands it to the
// worker) and the client socket it is connected to, both on loopback.
func udpPair(t testing.TB) (net.Conn, *testPeer) {
	t.Helper()
	cli, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := net.DialUDP("udp4", nil, cli.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cli.Close(); srv.Close() })
	return srv, &testPeer{cli, srv.LocalAddr()}
}

func (p *testPeer) send(t testing.TB, b []byte) {
	t.Helper()
	if _, err := p.WriteTo(b, p.to); err != nil {
		t.Fatal(err)
	}
}

// read returns the next datagram, failing the test after 3 s.
func (p *testPeer) read(t testing.TB) []byte {
	t.Helper()
	b, err := p.tryRead(3 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (p *testPeer) tryRead(d time.Duration) ([]byte, error) {
	buf := make([]byte, 70000)
	p.SetReadDeadline(time.Now().Add(d))
	n, _, err := p.ReadFrom(buf)
	return buf[:n], err
}
