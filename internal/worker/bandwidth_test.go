package worker

import (
	"bytes"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/internal/cstp"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// bwFakeClock is a clock that moves only when told and counts its reads
// (one per packet charged), so a test knows when the data path has
// judged a packet without timing anything.
type bwFakeClock struct {
	mu    sync.Mutex
	t     time.Time
	reads atomic.Int64
}

func newBWFakeClock() *bwFakeClock {
	return &bwFakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
}

func (c *bwFakeClock) now() time.Time {
	c.reads.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *bwFakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// bwStep is one packet: the clock moves by after, then n bytes are
// charged and want is whether the packet passes.
type bwStep struct {
	after time.Duration
	n     int
	want  bool
}

func TestBandwidthAllow(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		name  string
		kb    uint32 // kB/s, as in the group config
		steps []bwStep
	}{
		{"zero is unlimited", 0, []bwStep{{0, 1 << 20, true}, {0, 1 << 20, true}, {time.Hour, 1 << 30, true}}},
		{"first window grants half a second", 10, []bwStep{
			{0, 1000, true}, {0, 4000, true}, {0, 1, false}, {0, 0, true}, {499 * ms, 1, false}}},
		{"dropped packets are not charged", 10, []bwStep{
			{0, 4000, true}, {0, 2000, false}, {0, 1000, true}, {0, 1, false}}},
		{"first packet of a window always passes", 2, []bwStep{
			{0, 16000, true}, {0, 1, false}}},
		{"unused budget carries over", 10, []bwStep{
			{0, 1000, true},                                        // window 1: 5 kB, 1 kB used
			{500 * ms, 2000, true}, {0, 7000, true}, {0, 1, false}, // window 2: 5+5-1 = 9 kB
			{500 * ms, 100, true}, {0, 4900, true}, {0, 1, false}, // window 3: 5+9-9 = 5 kB
		}},
		{"carry-over is capped at one second", 10, []bwStep{
			{0, 1, true}, {500 * ms, 1, true}, // 10 kB
			{500 * ms, 1, true}, {0, 9999, true}, {0, 1, false}, // 5+10 capped to 10 kB
		}},
		{"an overdrawn window grants a full second", 2, []bwStep{
			{0, 16000, true},                                    // 1 kB allowed, 16 kB used
			{500 * ms, 1, true}, {0, 1999, true}, {0, 1, false}, // 1+1-16 < 0: 2 kB
		}},
		{"a long window's usage is scaled to 500 ms", 10, []bwStep{
			{0, 4000, true},                                      // 4 kB in 1 s counts as 2 kB
			{1000 * ms, 0, true}, {0, 8000, true}, {0, 1, false}, // 5+5-2 = 8 kB
		}},
		{"negative lengths count as zero", 2, []bwStep{
			{0, 1000, true}, {0, -5000, true}, {0, 1, false}}},
		{"1,000,000 bytes/s", 1000, []bwStep{
			{0, 1500, true}, {0, 498500, true}, {0, 1, false}, // 500 kB
			{500 * ms, 1500, true}, {0, 498500, true}, {0, 1, false}, // 500+500-500
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newBWFakeClock()
			b := newBandwidth(tt.kb, clk.now)
			if (b == nil) != (tt.kb == 0) {
				t.Fatalf("newBandwidth(%d) = %v", tt.kb, b)
			}
			for i, st := range tt.steps {
				clk.advance(st.after)
				if got := b.allow(st.n); got != st.want {
					t.Fatalf("step %d (+%v, %d bytes): allow = %v, want %v", i, st.after, st.n, got, st.want)
				}
			}
		})
	}
}

// TestBandwidthDataPath: through a worker, a limit of 2 kB/s (1 kB per
// 500 ms window) passes the first 400-byte packets of a window up to
// 1000 bytes and drops the rest; the other direction, unlimited, passes
// everything; the next window passes again. rx is client→tun, tx is
// tun→client.
func TestBandwidthDataPath(t *testing.T) {
	tests := []struct {
		name   string
		rx, tx uint32
	}{
		{"rx limited", 2, 0},
		{"tx limited", 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newBWFakeClock()
			old := bwClock
			bwClock = clk.now
			t.Cleanup(func() { bwClock = old })
			h := newHarness(t, nil, func(h *harness) {
				h.override = func(gc *ipcpb.GroupConfig) { gc.RxPerSec, gc.TxPerSec = ptr(tt.rx), ptr(tt.tx) }
			})
			if r := h.connect(); r.status != "HTTP/1.1 200 CONNECTED" {
				t.Fatalf("status %q", r.status)
			}
			if err := unix.SetNonblock(h.tunPeer, false); err != nil {
				t.Fatal(err)
			}
			tv := unix.Timeval{Sec: 5}
			_ = unix.SetsockoptTimeval(h.tunPeer, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
			bwCheckDirection(t, h, clk, "tx", tt.tx != 0, bwSendTun, bwRecvClient(h))
			bwCheckDirection(t, h, clk, "rx", tt.rx != 0, bwSendClient, bwRecvTun)
		})
	}
}

// bwPacket is the i-th test packet: an IPv4-looking 400-byte packet.
func bwPacket(i int) []byte {
	p := bytes.Repeat([]byte{byte(i)}, 400)
	p[0] = 0x45
	return p
}

// bwCheckDirection sends five packets one way; with limited, only the
// first two must arrive. Then, in a new window, a marker packet must be
// the next to arrive (nothing dropped sneaks in late).
func bwCheckDirection(t *testing.T, h *harness, clk *bwFakeClock, dir string, limited bool,
	send func(*testing.T, *harness, []byte), recv func(*testing.T, *harness) []byte) {
	t.Helper()
	reads := clk.reads.Load()
	for i := 1; i <= 5; i++ {
		send(t, h, bwPacket(i))
	}
	pass := 5
	if limited {
		pass = 2
	}
	for i := 1; i <= pass; i++ {
		if got := recv(t, h); !bytes.Equal(got, bwPacket(i)) {
			t.Fatalf("%s: packet %d: got %d bytes starting %x", dir, i, len(got), got[:min(len(got), 2)])
		}
	}
	if limited {
		// Wait until the worker has judged all five before the window
		// moves on (bounded: the worker reads as fast as it can).
		deadline := time.Now().Add(10 * time.Second)
		for clk.reads.Load() < reads+5 {
			if time.Now().After(deadline) {
				t.Fatalf("%s: the worker judged %d of 5 packets", dir, clk.reads.Load()-reads)
			}
			time.Sleep(time.Millisecond)
		}
	}
	clk.advance(time.Second)
	send(t, h, bwPacket(9))
	if got := recv(t, h); !bytes.Equal(got, bwPacket(9)) {
		t.Fatalf("%s: after the new window got %d bytes starting %x, want the marker (a dropped packet passed)",
			dir, len(got), got[:min(len(got), 2)])
	}
}

func bwSendTun(t *testing.T, h *harness, p []byte) {
	if _, err := unix.Write(h.tunPeer, p); err != nil {
		t.Fatalf("writing the fake tun: %v", err)
	}
}

// bwRecvClient returns a receiver of the DATA packets the client gets;
// one cstp.Reader for the whole session, since it reads ahead.
func bwRecvClient(h *harness) func(*testing.T, *harness) []byte {
	rd := cstp.NewReader(h.br, 0)
	return func(t *testing.T, h *harness) []byte {
		_ = h.cliConn.SetReadDeadline(time.Now().Add(5 * time.Second))
		for {
			p, err := rd.Next()
			if err != nil {
				t.Fatalf("reading from the worker: %v", err)
			}
			if p.Type == cstp.TypeData {
				return append([]byte(nil), p.Payload...)
			}
		}
	}
}

func bwSendClient(t *testing.T, h *harness, p []byte) {
	if err := cstp.NewWriter(h.cliConn).WriteData(p); err != nil {
		t.Fatalf("writing to the worker: %v", err)
	}
}

func bwRecvTun(t *testing.T, h *harness) []byte {
	buf := make([]byte, 2000)
	n, err := unix.Read(h.tunPeer, buf)
	if err != nil {
		t.Fatalf("reading the fake tun: %v", err)
	}
	return buf[:n]
}
