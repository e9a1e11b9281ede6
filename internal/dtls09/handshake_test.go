package dtls09

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

func testSecrets() (master, sid []byte) {
	master = make([]byte, 48)
	sid = make([]byte, 32)
	rand.Read(master)
	rand.Read(sid)
	return
}

type result struct {
	c   *Conn
	err error
}

// startServer runs Server in a goroutine on the server end of a UDP pair.
func startServer(t *testing.T, first []byte, cfg Config) (<-chan result, *testPeer) {
	srv, cli := udpPair(t)
	ch := make(chan result, 1)
	go func() {
		c, err := Server(srv, first, cfg)
		ch <- result{c, err}
	}()
	return ch, cli
}

func wait(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		if r.c != nil {
			t.Cleanup(func() { r.c.Close() })
		}
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("Server did not return")
		return result{}
	}
}

// handshake completes a handshake with a test client and returns both ends.
func handshake(t *testing.T, suite Suite, extra ...[]byte) (*Conn, *testClient, *testPeer) {
	t.Helper()
	master, sid := testSecrets()
	tc := newTestClient(master, sid, suite)
	ch, peer := startServer(t, tc.hello(), Config{SessionID: sid, MasterSecret: master, Suite: suite, MTU: 1472})
	if err := tc.flight([][]byte{peer.read(t), peer.read(t), peer.read(t)}); err != nil {
		t.Fatal(err)
	}
	peer.send(t, tc.finish(extra...))
	r := wait(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	return r.c, tc, peer
}

func readTimeout(c *Conn, d time.Duration) ([]byte, error) {
	c.SetReadDeadline(time.Now().Add(d))
	b := make([]byte, 20000)
	n, err := c.Read(b)
	return b[:n], err
}

// TestHandshakeAndData: the full handshake with the test client for each
// suite, then data both ways, including records that arrive in the same
// datagram as the client's Finished and several records per datagram.
func TestHandshakeAndData(t *testing.T) {
	for _, s := range []Suite{AES128SHA, AES256SHA, DESCBC3SHA} {
		t.Run(s.String(), func(t *testing.T) {
			c, tc, peer := handshake(t, s, []byte("early-1"), []byte("early-2"))
			if c.CipherName() != s.CipherName() || c.Overhead() != s.Overhead() {
				t.Errorf("CipherName %q Overhead %d", c.CipherName(), c.Overhead())
			}
			for _, want := range []string{"early-1", "early-2"} {
				got, err := readTimeout(c, time.Second)
				if err != nil || string(got) != want {
					t.Fatalf("Read = %q, %v; want %q", got, err, want)
				}
			}
			// Three records in one datagram, one of them tampered.
			d := tc.seal([]byte("a"))
			bad := tc.seal([]byte("tampered"))
			bad[len(bad)-1] ^= 1
			d = append(d, bad...)
			d = append(d, tc.seal(bytes.Repeat([]byte("b"), 1400))...)
			peer.send(t, d)
			for _, want := range []string{"a", string(bytes.Repeat([]byte("b"), 1400))} {
				got, err := readTimeout(c, time.Second)
				if err != nil || string(got) != want {
					t.Fatalf("Read = %d bytes, %v; want %d", len(got), err, len(want))
				}
			}
			// Server to client: sequence numbers continue after Finished.
			for _, p := range [][]byte{{0}, bytes.Repeat([]byte{3}, 1472-s.Overhead())} {
				if n, err := c.Write(p); err != nil || n != len(p) {
					t.Fatalf("Write(%d) = %d, %v", len(p), n, err)
				}
				got := tc.open(t, peer.read(t))
				if len(got) != 1 || got[0][0] != typeAppData || !bytes.Equal(got[0][1:], p) {
					t.Fatalf("client got %x", got)
				}
			}
			if want := []uint64{1, 2}; len(tc.serverSeqs) != 2 || tc.serverSeqs[0] != 1 || tc.serverSeqs[1] != 2 {
				t.Errorf("server app seqs %v, want %v", tc.serverSeqs, want)
			}
			if _, err := c.Write(make([]byte, 1472-s.Overhead()+1)); !errors.Is(err, ErrTooLarge) {
				t.Errorf("oversized Write: %v", err)
			}
			c.SetMTU(0)
			if _, err := c.Write(make([]byte, 1472-s.Overhead()+1)); err != nil {
				t.Errorf("Write after SetMTU(0): %v", err)
			}
			peer.read(t)
		})
	}
}

// TestReadDropsReplaysAndForeignRecords: duplicates, epoch-0 records,
// handshake leftovers, garbage and bad MACs never reach Read; close_notify
// ends it with io.EOF.
func TestReadDropsReplaysAndForeignRecords(t *testing.T) {
	c, tc, peer := handshake(t, AES128SHA)
	one := tc.seal([]byte("one"))
	peer.send(t, one)
	peer.send(t, one) // replay
	peer.send(t, plainRecord(nil, typeAppData, 9, []byte("plain epoch 0")))
	peer.send(t, tc.finish()) // a retransmitted client flight
	peer.send(t, []byte{0x17, 0xfe, 0xff, 0, 1})
	peer.send(t, []byte("garbage that is not a record"))
	short := tc.seal([]byte("x"))
	short = append(short[:11], 0, 20) // length says 20 bytes, record has fewer
	peer.send(t, short)
	peer.send(t, tc.seal([]byte("two")))
	for _, want := range []string{"one", "two"} {
		got, err := readTimeout(c, time.Second)
		if err != nil || string(got) != want {
			t.Fatalf("Read = %q, %v; want %q", got, err, want)
		}
	}
	if got, err := readTimeout(c, 200*time.Millisecond); !isTimeout(err) {
		t.Fatalf("Read = %q, %v; want timeout", got, err)
	}
	small := make([]byte, 2)
	peer.send(t, tc.seal([]byte("three")))
	c.SetReadDeadline(time.Now().Add(time.Second))
	if n, err := c.Read(small); n != 2 || !errors.Is(err, io.ErrShortBuffer) {
		t.Errorf("short Read = %d, %v", n, err)
	}
	d, _ := tc.wr.seal(nil, typeAlert, []byte{alertWarning, alertCloseNotify}, rand.Reader)
	peer.send(t, d)
	if _, err := readTimeout(c, time.Second); err != io.EOF {
		t.Fatalf("after close_notify Read: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	alert := tc.open(t, peer.read(t))
	if len(alert) != 1 || !bytes.Equal(alert[0], []byte{typeAlert, alertWarning, alertCloseNotify}) {
		t.Errorf("Close sent %x, want a close_notify", alert)
	}
	if _, err := c.Write([]byte{0}); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Write after Close: %v", err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestRetransmission: the server resends its flight (fresh record sequence
// numbers, same message_seq) when the client's flight does not come, and
// at once when the ClientHello is repeated.
func TestRetransmission(t *testing.T) {
	master, sid := testSecrets()
	tc := newTestClient(master, sid, AES256SHA)
	hello := tc.hello()
	ch, peer := startServer(t, hello, Config{SessionID: sid, MasterSecret: master, Suite: AES256SHA})
	first := [][]byte{peer.read(t), peer.read(t), peer.read(t)}
	// Lose the whole first flight; the timer brings a second one.
	start := time.Now()
	second := [][]byte{peer.read(t), peer.read(t), peer.read(t)}
	if el := time.Since(start); el < initialRTO/2 {
		t.Errorf("retransmitted after %v", el)
	}
	if got := shapes(t, second[0]); got[0].seq != 2 || got[0].epoch != 0 {
		t.Errorf("retransmitted ServerHello record %+v, want epoch 0 seq 2", got)
	}
	if got := shapes(t, second[1]); got[0].seq != 3 {
		t.Errorf("retransmitted CCS record %+v, want seq 3", got)
	}
	if got := shapes(t, second[2]); got[0].seq != 1 || got[0].epoch != 1 {
		t.Errorf("retransmitted Finished record %+v, want epoch 1 seq 1", got)
	}
	if !bytes.Equal(first[1][13:], second[1][13:]) || !bytes.Equal(first[0][13:], second[0][13:]) {
		t.Error("retransmitted messages differ")
	}
	// A repeated ClientHello triggers a resend without waiting.
	peer.send(t, hello)
	third := [][]byte{peer.read(t), peer.read(t), peer.read(t)}
	if err := tc.flight(third); err != nil {
		t.Fatal(err)
	}
	peer.send(t, tc.finish())
	r := wait(t, ch)
	if r.err != nil {
		t.Fatal(r.err)
	}
	if _, err := r.c.Write([]byte("x")); err != nil {
		t.Fatal(err)
	}
	if got := shapes(t, peer.read(t)); got[0].seq != 3 {
		t.Errorf("first application record seq %d, want 3 (after three Finished)", got[0].seq)
	}
}

// TestHandshakeTimeout: without a client Finished the handshake gives up
// within HandshakeTimeout, after bounded retransmissions.
func TestHandshakeTimeout(t *testing.T) {
	master, sid := testSecrets()
	tc := newTestClient(master, sid, AES128SHA)
	start := time.Now()
	ch, peer := startServer(t, tc.hello(), Config{SessionID: sid, MasterSecret: master, Suite: AES128SHA, HandshakeTimeout: 1500 * time.Millisecond})
	r := wait(t, ch)
	if !errors.Is(r.err, ErrHandshakeTimeout) {
		t.Fatalf("err = %v", r.err)
	}
	if el := time.Since(start); el < 1400*time.Millisecond || el > 3*time.Second {
		t.Errorf("gave up after %v", el)
	}
	n := 0
	for ; n < 100; n++ {
		if _, err := peer.tryRead(50 * time.Millisecond); err != nil {
			break
		}
	}
	// 400 ms, 800 ms: the first flight and two resends (9 datagrams).
	if n != 9 {
		t.Errorf("server sent %d datagrams, want 9", n)
	}
}

// TestHandshakeRefused: hellos that do not resume this session are refused
// with a handshake_failure alert; a client with another master secret
// fails at Finished.
func TestHandshakeRefused(t *testing.T) {
	master, sid := testSecrets()
	other := bytes.Clone(sid)
	other[0] ^= 1
	tests := []struct {
		name   string
		client *testClient
		first  func(*testClient) []byte
	}{
		{"other session id", newTestClient(master, other, AES128SHA), (*testClient).hello},
		{"suite not offered", newTestClient(master, sid, AES256SHA, DESCBC3SHA), (*testClient).hello},
		{"empty datagram", newTestClient(master, sid, AES128SHA), func(*testClient) []byte { return nil }},
		{"application record", newTestClient(master, sid, AES128SHA), func(*testClient) []byte {
			return plainRecord(nil, typeAppData, 0, []byte("x"))
		}},
		{"DTLS 1.2 hello", newTestClient(master, sid, AES128SHA), func(c *testClient) []byte {
			h := c.hello()
			h[1], h[2] = 0xfe, 0xfd
			return h
		}},
		{"fragmented hello", newTestClient(master, sid, AES128SHA), func(c *testClient) []byte {
			h := c.hello()
			h[13+11]-- // fragment_length one short
			return h
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, _ := startServer(t, tt.first(tt.client), Config{SessionID: sid, MasterSecret: master, Suite: AES128SHA})
			if r := wait(t, ch); !errors.Is(r.err, ErrRefused) {
				t.Fatalf("err = %v, want ErrRefused", r.err)
			}
		})
	}
	t.Run("alert on refusal", func(t *testing.T) {
		tc := newTestClient(master, other, AES128SHA)
		ch, peer := startServer(t, tc.hello(), Config{SessionID: sid, MasterSecret: master, Suite: AES128SHA})
		wait(t, ch)
		if got := peer.read(t); !bytes.Equal(got, plainRecord(nil, typeAlert, 0, []byte{2, 40})) {
			t.Errorf("refusal sent %x", got)
		}
	})
	t.Run("wrong master secret", func(t *testing.T) {
		wrong := bytes.Clone(master)
		wrong[47] ^= 1
		tc := newTestClient(wrong, sid, AES128SHA)
		ch, peer := startServer(t, tc.hello(), Config{SessionID: sid, MasterSecret: master, Suite: AES128SHA, HandshakeTimeout: time.Second})
		if err := tc.flight([][]byte{peer.read(t), peer.read(t), peer.read(t)}); err == nil {
			t.Fatal("client accepted a Finished made with another master secret")
		}
		// Keys differ, so the client's Finished does not even authenticate:
		// it is dropped and the server times out.
		tc.tr.add(make([]byte, 12))
		peer.send(t, tc.finish())
		if r := wait(t, ch); !errors.Is(r.err, ErrHandshakeTimeout) {
			t.Fatalf("err = %v", r.err)
		}
	})
	t.Run("bad config", func(t *testing.T) {
		for _, cfg := range []Config{
			{SessionID: sid, MasterSecret: master[:47], Suite: AES128SHA},
			{SessionID: nil, MasterSecret: master, Suite: AES128SHA},
			{SessionID: sid, MasterSecret: master, Suite: 0x009c},
		} {
			if _, err := Server(nil, nil, cfg); err == nil {
				t.Errorf("Server accepted %+v", cfg)
			}
		}
	})
}

// TestNoExtensions: a client without extensions (as an AnyConnect client
// might be) gets a ServerHello without any.
func TestNoExtensions(t *testing.T) {
	master, sid := testSecrets()
	tc := newTestClient(master, sid, DESCBC3SHA, AES128SHA)
	tc.noExt = true
	ch, peer := startServer(t, tc.hello(), Config{SessionID: sid, MasterSecret: master, Suite: AES128SHA})
	if err := tc.flight([][]byte{peer.read(t), peer.read(t), peer.read(t)}); err != nil {
		t.Fatal(err)
	}
	peer.send(t, tc.finish())
	if r := wait(t, ch); r.err != nil {
		t.Fatal(r.err)
	}
}

// TestHandshakeCancel: cancelling the context ends a waiting handshake at
// once.
func TestHandshakeCancel(t *testing.T) {
	master, sid := testSecrets()
	tc := newTestClient(master, sid, AES128SHA)
	srv, _ := udpPair(t)
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan error, 1)
	go func() {
		_, err := ServerContext(ctx, srv, tc.hello(), Config{SessionID: sid, MasterSecret: master, Suite: AES128SHA})
		ch <- err
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	cancel()
	select {
	case err := <-ch:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if el := time.Since(start); el > 300*time.Millisecond {
			t.Errorf("returned %v after cancel", el)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handshake not cancelled")
	}
}
