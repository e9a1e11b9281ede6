package worker

import (
	"errors"
	"net"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/internal/cstp"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// ioExitBound is how long a worker may take to go away once asked to (or
// once a timer fires) while its client does not read: the 10 s.
const ioExitBound = 10 * time.Second

// ioStall makes the client stop reading and floods the fake tun until the
// worker no longer takes packets (its write to the client is stuck), so
// that the tests below start from a worker pinned by a stopped client.
// The flood is bounded in packets and time.
func ioStall(t *testing.T, h *harness) {
	t.Helper()
	if tc, ok := h.cliConn.NetConn().(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	if err := unix.SetNonblock(h.tunPeer, true); err != nil {
		t.Fatal(err)
	}
	pkt := make([]byte, 1400)
	pkt[0] = 0x45
	start := time.Now()
	var blockedSince time.Time
	for i := 0; i < 200000 && time.Since(start) < 20*time.Second; i++ {
		_, err := unix.Write(h.tunPeer, pkt)
		switch {
		case err == nil:
			blockedSince = time.Time{}
		case errors.Is(err, unix.EAGAIN):
			if blockedSince.IsZero() {
				blockedSince = time.Now()
			}
			if time.Since(blockedSince) > 500*time.Millisecond {
				return // the worker stopped reading the tun: it is stuck
			}
			time.Sleep(time.Millisecond)
		default:
			t.Fatalf("writing to the fake tun: %v", err)
		}
	}
	t.Fatalf("the worker kept draining the tun for %v: no stall reached", time.Since(start))
}

// ioWait waits for the worker's result within ioExitBound.
func ioWait(t *testing.T, h *harness) runResult {
	t.Helper()
	select {
	case r := <-h.done:
		return r
	case <-time.After(ioExitBound):
		t.Fatalf("worker still running %v after it should have ended (pinned by a client that does not read)", ioExitBound)
	}
	return runResult{}
}

// TestStoppedClient: a client that stops reading while traffic flows to
// it must not pin its worker: SIGTERM, the DPD timeout and the idle
// timeout still end the session (on the base commit the writer held the
// lock the control loop needed and SIGTERM and DPD hung).
func TestStoppedClient(t *testing.T) {
	tests := []struct {
		name     string
		extra    [][2]string
		override func(*ipcpb.GroupConfig)
		trigger  func(h *harness)
		reason   int
	}{
		{name: "sigterm", trigger: func(h *harness) { h.cancel() }, reason: ReasonServerDisconnect},
		{name: "dpd", override: func(gc *ipcpb.GroupConfig) { gc.Dpd = ptr(uint32(1)) }, reason: ReasonDPDTimeout},
		{name: "idle", extra: [][2]string{{"idle-timeout", "2"}}, reason: ReasonIdleTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, tt.extra, func(h *harness) { h.override = tt.override })
			if r := h.connect(); r.status != "HTTP/1.1 200 CONNECTED" {
				t.Fatalf("status %q", r.status)
			}
			ioStall(t, h)
			if tt.trigger != nil {
				tt.trigger(h)
			}
			res := ioWait(t, h)
			if res.res.Reason != tt.reason {
				t.Fatalf("reason %d (%v), want %d", res.res.Reason, res.err, tt.reason)
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if n := len(h.stats); n == 0 || h.stats[n-1].GetDisconReason() != uint32(tt.reason) {
				t.Errorf("final stats %v", h.stats)
			}
		})
	}
}

// TestClientDPDFloodNotReading: a client that floods DPD requests and
// never reads the responses stalls only itself: the worker stops reading
// it (TCP back-pressure, no buffering) and still obeys SIGTERM.
func TestClientDPDFloodNotReading(t *testing.T) {
	h := newHarness(t, nil, nil)
	h.connect()
	if tc, ok := h.cliConn.NetConn().(*net.TCPConn); ok {
		_ = tc.SetReadBuffer(4096)
	}
	req, err := cstp.Append(nil, cstp.TypeDPDReq, make([]byte, 1000))
	if err != nil {
		t.Fatal(err)
	}
	_ = h.cliConn.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
	start := time.Now()
	for i := 0; i < 100000 && time.Since(start) < 20*time.Second; i++ {
		if _, err := h.cliConn.Write(req); err != nil {
			break // our send buffer is full: the worker stopped reading us
		}
		_ = h.cliConn.SetWriteDeadline(time.Now().Add(500 * time.Millisecond))
	}
	h.cancel()
	if res := ioWait(t, h); res.res.Reason != ReasonServerDisconnect {
		t.Fatalf("reason %d (%v), want server disconnect", res.res.Reason, res.err)
	}
}

// TestClientGarbageAfterConnect: bytes that are not CSTP, and a packet
// longer than the tunnel allows, end that session with an error at once;
// nothing is buffered beyond the reader's fixed buffer.
func TestClientGarbageAfterConnect(t *testing.T) {
	long, err := cstp.Append(nil, cstp.TypeData, make([]byte, 16385))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"http", []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n")},
		{"bad version", []byte("STF\x02\x00\x00\x03\x00")},
		{"oversized", long[:cstp.HeaderLen+100]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil, nil)
			h.connect()
			if _, err := h.cliConn.Write(tt.in); err != nil {
				t.Fatal(err)
			}
			res := ioWait(t, h)
			if res.res.Reason != ReasonError || res.err == nil {
				t.Fatalf("reason %d, err %v; want an error exit", res.res.Reason, res.err)
			}
			if !errors.Is(res.err, cstp.ErrBadMagic) && !errors.Is(res.err, cstp.ErrTooLong) {
				t.Fatalf("err %v, want a CSTP framing error", res.err)
			}
		})
	}
}
