package dtlsx

import (
	"bytes"
	"context"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
)

// switchPC is a client socket that can move to another UDP socket (the
// client's NAT mapping changed): reads come from every socket it had,
// writes go to the current one.
type switchPC struct {
	mu  sync.Mutex
	w   *net.UDPConn
	in  chan []byte
	raw net.Addr
}

func newSwitchPC(c *net.UDPConn) *switchPC {
	s := &switchPC{w: c, in: make(chan []byte, 64), raw: c.RemoteAddr()}
	s.add(c)
	return s
}

func (s *switchPC) add(c *net.UDPConn) {
	go func() {
		buf := make([]byte, 65536)
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			s.in <- append([]byte(nil), buf[:n]...)
		}
	}()
}

func (s *switchPC) move(c *net.UDPConn) {
	s.add(c)
	s.mu.Lock()
	s.w = c
	s.mu.Unlock()
}

func (s *switchPC) ReadFrom(b []byte) (int, net.Addr, error) {
	select {
	case d := <-s.in:
		return copy(b, d), s.raw, nil
	case <-time.After(10 * time.Second):
		return 0, s.raw, &net.OpError{Op: "read", Err: context.DeadlineExceeded}
	}
}
func (s *switchPC) WriteTo(b []byte, _ net.Addr) (int, error) {
	s.mu.Lock()
	w := s.w
	s.mu.Unlock()
	return w.Write(b)
}
func (s *switchPC) Close() error                     { return nil }
func (s *switchPC) LocalAddr() net.Addr              { return s.w.LocalAddr() }
func (s *switchPC) SetDeadline(time.Time) error      { return nil }
func (s *switchPC) SetReadDeadline(time.Time) error  { return nil }
func (s *switchPC) SetWriteDeadline(time.Time) error { return nil }

// pskPair is a PSK session between our server (on a PacketConn over srv)
// and a pion client on a switchable socket.
func pskPair(t *testing.T) (*Session, *dtls.Conn, *switchPC) {
	t.Helper()
	srvSock, cliSock := udpPair(t)
	psk := bytes.Repeat([]byte{7}, 32)
	type res struct {
		s   *Session
		err error
	}
	ch := make(chan res, 1)
	go func() {
		s, err := ServerPSK(context.Background(), NewPacketConn(srvSock, nil), PSKConfig{PSK: psk, Suites: PSKSuites(false, ""), MTU: 1400, HandshakeTimeout: 5 * time.Second})
		ch <- res{s, err}
	}()
	spc := newSwitchPC(cliSock)
	cli, err := dtls.ClientWithOptions(spc, cliSock.RemoteAddr(),
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
	t.Cleanup(func() { cli.Close() })
	r := <-ch
	if r.err != nil {
		t.Fatal(r.err)
	}
	t.Cleanup(func() { r.s.Close() })
	return r.s, cli, spc
}

// exchange sends k records client→server (the server reading them as the
// worker does, calling Decrypted after each) and one server→client; it
// returns whether a Decrypted call reported a move.
func exchange(t *testing.T, s *Session, cli *dtls.Conn, k int, tag byte) bool {
	t.Helper()
	moved := false
	buf := make([]byte, 2048)
	for i := range k {
		if _, err := cli.Write([]byte{0, tag, byte(i)}); err != nil {
			t.Fatal(err)
		}
		_ = s.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := s.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], []byte{0, tag, byte(i)}) {
			t.Fatalf("server read %x %v", buf[:n], err)
		}
		if m, _ := s.PacketConn().Decrypted(); m {
			moved = true
		}
	}
	if _, err := s.Write([]byte{4, tag}); err != nil {
		t.Fatal(err)
	}
	_ = cli.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := cli.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], []byte{4, tag}) {
		t.Fatalf("client read %x %v: the server's reply did not reach the client", buf[:n], err)
	}
	return moved
}

// TestRebindGarbageDoesNotMove: a socket main hands over for "NAT
// rebinding" whose datagrams are garbage (or forged records) never takes
// the flow: the server keeps writing to the client's real socket, nothing
// is written to the forger, and the candidate is dropped once the old
// path is seen delivering.
func TestRebindGarbageDoesNotMove(t *testing.T) {
	s, cli, _ := pskPair(t)
	exchange(t, s, cli, 2, 1)

	cand, forger := udpPair(t)
	garbage := append([]byte{23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9, 0, 40}, bytes.Repeat([]byte{0xa5}, 40)...)
	s.PacketConn().Offer(cand, garbage)
	for range 3 {
		if _, err := forger.Write(garbage); err != nil {
			t.Fatal(err)
		}
	}
	if exchange(t, s, cli, 5, 2) {
		t.Fatal("garbage from the candidate socket moved the flow")
	}
	p := s.PacketConn()
	p.mu.Lock()
	cur, left := p.cur, p.cand
	p.mu.Unlock()
	if cur == cand {
		t.Fatal("the candidate became the current socket")
	}
	if left != nil {
		t.Error("the candidate was not dropped although the old path delivers")
	}
	_ = forger.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	if n, err := forger.Read(make([]byte, 2048)); err == nil {
		t.Fatalf("the forger received %d bytes from the server", n)
	}
}

// TestRebindMovesAfterDecrypt: when the client really moved, the flow
// switches to the new socket, but only after records decrypted from it;
// until then the server writes to the old socket.
func TestRebindMovesAfterDecrypt(t *testing.T) {
	s, cli, spc := pskPair(t)
	exchange(t, s, cli, 2, 1)

	cand, newCli := udpPair(t)
	p := s.PacketConn()
	p.Offer(cand, nil)
	spc.move(newCli) // the client now sends from another port
	moved := false
	buf := make([]byte, 2048)
	for i := range 6 {
		if _, err := cli.Write([]byte{0, 9, byte(i)}); err != nil {
			t.Fatal(err)
		}
		_ = s.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, err := s.Read(buf)
		if err != nil || !bytes.Equal(buf[:n], []byte{0, 9, byte(i)}) {
			t.Fatalf("server read %x %v", buf[:n], err)
		}
		m, to := p.Decrypted()
		if m {
			if i < rebindPipeline {
				t.Fatalf("moved after %d records, before any record from the new socket was certain", i+1)
			}
			if to.String() != newCli.LocalAddr().String() {
				t.Fatalf("moved to %v, want %v", to, newCli.LocalAddr())
			}
			moved = true
		}
		if !moved {
			p.mu.Lock()
			cur := p.cur
			p.mu.Unlock()
			if cur == cand {
				t.Fatal("switched sockets before Decrypted confirmed a record")
			}
		}
	}
	if !moved {
		t.Fatal("the flow did not move to the new socket")
	}
	p.mu.Lock()
	cur := p.cur
	p.mu.Unlock()
	if cur != cand {
		t.Fatal("Decrypted reported a move but the current socket is not the candidate")
	}
	// The server's writes now reach the client through the new socket.
	if _, err := s.Write([]byte{4, 9}); err != nil {
		t.Fatal(err)
	}
	_ = cli.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, err := cli.Read(buf)
	if err != nil || !bytes.Equal(buf[:n], []byte{4, 9}) {
		t.Fatalf("client read %x %v", buf[:n], err)
	}
	exchange(t, s, cli, 2, 3)
}
