package worker

// Bandwidth limits (rx-data-per-sec, tx-data-per-sec), as ocserv 1.1.6's
// src/worker-bandwidth.c applies them in src/worker-vpn.c. Runs in the
// worker process, on the tunnel's data path.
//
// What ocserv does, and so do we:
//   - The limits come with the session's group configuration (the global
//     value, overridden by the group's and then the user's file); they are
//     stored divided by 1000, in kB/s, so a value under 1000 bytes/s is 0,
//     which means unlimited.
//   - rx is what the client sends (CSTP and DTLS records from the client,
//     written to the tun), tx what the server sends (packets read from the
//     tun). A packet is charged with its tunnel payload length: the CSTP
//     packet without its 8-byte header, the DTLS record without its type
//     byte; on tx the length of the DTLS payload candidate (compressed if
//     DTLS compression applied), whichever channel carries it.
//   - A packet over the limit is dropped, never delayed: TCP inside the
//     tunnel sees the loss and slows down, as behind a policing router.
//   - The budget is refilled in windows of 500 ms: a new window grants half
//     a second's worth plus whatever the previous window left unused, at
//     most one second's worth; the first packet of a window always passes.
//     The previous window's usage is scaled to 500 ms when it lasted
//     longer, and a window overdrawn by more than its refill grants a full
//     second's worth (ocserv's unsigned arithmetic; kept for the same
//     measured rates).
//
// One deviation, on purpose: ocserv charges and may drop any CSTP or DTLS
// packet from the client, control packets (DPD, keepalive, DISCONNECT)
// included; we apply the limit only to DATA and COMPRESSED packets, so a
// saturated link never swallows a client's DPD or BYE.

import (
	"sync"
	"time"
)

// bwWindow is ocserv's COUNT_UPDATE_MS.
const bwWindow = 500 * time.Millisecond

// bwClock is the limiters' clock; tests replace it before a session starts.
var bwClock = time.Now

// bandwidth limits one direction of one session. A nil *bandwidth is
// unlimited. It is safe for concurrent use: rx is charged from the CSTP
// reader and from the DTLS reader(s).
type bandwidth struct {
	now func() time.Time

	kbPerSec   int64 // the configured limit in kB/s (> 0)
	kbPerCount int64 // refill per window: kbPerSec × 500 ms

	mu          sync.Mutex
	started     bool      // a window has been opened
	windowStart time.Time // start of the current window
	allowedKB   int64     // budget of the current window, kB
	transferred int64     // bytes charged in the current window
}

// newBandwidth returns the limiter for kbPerSec (the group config's
// rx_per_sec / tx_per_sec, already divided by 1000), or nil when it is 0
// (unlimited). now is the clock (time.Now outside tests).
func newBandwidth(kbPerSec uint32, now func() time.Time) *bandwidth {
	if kbPerSec == 0 {
		return nil
	}
	k := int64(kbPerSec)
	return &bandwidth{now: now, kbPerSec: k, kbPerCount: k * int64(bwWindow/time.Millisecond) / 1000}
}

// allow charges n bytes and reports whether the packet may pass; a packet
// that may not is dropped by the caller and not charged.
func (b *bandwidth) allow(n int) bool {
	if b == nil {
		return true
	}
	if n < 0 {
		n = 0
	}
	t := b.now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if elapsed := t.Sub(b.windowStart); !b.started || elapsed >= bwWindow {
		b.newWindow(t, elapsed)
		b.transferred = int64(n)
		return true
	}
	sum := b.transferred + int64(n)
	if sum > b.allowedKB*1000 {
		return false
	}
	b.transferred = sum
	return true
}

// newWindow opens a window at t; elapsed is the length of the one ending.
func (b *bandwidth) newWindow(t time.Time, elapsed time.Duration) {
	usedKB := b.transferred / 1000
	if b.started {
		// Scaled to a 500 ms window (elapsed ≥ 500 ms here).
		usedKB = usedKB * int64(bwWindow/time.Millisecond) / int64(elapsed/time.Millisecond)
	} else {
		usedKB = 0
	}
	next := b.kbPerCount + b.allowedKB - usedKB
	if next < 0 || next > b.kbPerSec {
		next = b.kbPerSec
	}
	b.started = true
	b.windowStart = t
	b.allowedKB = next
}

// limitBandwidth arms the session's limits from its group configuration.
func (s *session) limitBandwidth(now func() time.Time) {
	gc := s.rep.GetConfig()
	s.rxLimit = newBandwidth(gc.GetRxPerSec(), now)
	s.txLimit = newBandwidth(gc.GetTxPerSec(), now)
	if s.rxLimit != nil || s.txLimit != nil {
		s.w.log.Debugf("bandwidth limits: rx %d kB/s, tx %d kB/s (0: unlimited)", gc.GetRxPerSec(), gc.GetTxPerSec())
	}
}
