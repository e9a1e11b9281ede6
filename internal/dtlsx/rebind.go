package dtlsx

import (
	"errors"
	"net"
	"os"
	"time"
)

func isTimeout(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }

// NAT rebinding, verified first (ocserv worker-misc.c: a socket main hands
// over for a rebound flow is kept only if its first datagram decrypts in
// the active session; otherwise it is closed and the active socket stays).
//
// Offer makes a socket main handed over a candidate: its datagrams (first
// one included) are fed to the session's reads next to the current
// socket's, while writes keep going to the current socket. The candidate
// replaces the current socket only when the session decrypted records
// that can only have come from it: Decrypted (called by the reader after
// each record the session returned) promotes it once more than
// rebindPipeline records were returned since the candidate's first
// datagram was read and, in that time, every datagram read came from the
// candidate. pion may hold up to two records read before the offer (one
// in its decrypted channel, one being pushed); openconnect sends one
// record per datagram, so a third record is the candidate's. A datagram
// read from the current socket in that time means the old path is alive:
// the candidate is dropped (a real rebinding is then offered again by
// main, which sees the new flow's datagrams once the candidate is closed).
// Garbage or forged records never decrypt, so they never move the flow.

// rebindPipeline is how many decrypted records may still come from
// datagrams read before the candidate's.
const rebindPipeline = 2

// rebindQueue bounds the candidate datagrams waiting for ReadFrom.
const rebindQueue = 32

type candidate struct {
	c       *net.UDPConn
	queue   [][]byte
	started bool // its first datagram was handed to the reader
	fromCur int  // datagrams read from the current socket since then
	records int  // records the session returned since then
	done    chan struct{}
}

// Offer makes c a candidate for the flow (see above); first is the
// datagram main read from it. A previous candidate is closed.
func (p *PacketConn) Offer(c *net.UDPConn, first []byte) {
	cand := &candidate{c: c, done: make(chan struct{})}
	if first != nil {
		cand.queue = append(cand.queue, append([]byte(nil), first...))
	}
	p.mu.Lock()
	prev := p.cand
	p.cand = cand
	cur := p.cur
	p.wake++
	p.mu.Unlock()
	if prev != nil {
		prev.close()
	}
	go p.candidateLoop(cand)
	_ = cur.SetReadDeadline(time.Now()) // wake the reader: a datagram waits
}

func (cd *candidate) close() {
	select {
	case <-cd.done:
	default:
		close(cd.done)
		cd.c.Close()
	}
}

// candidateLoop reads the candidate socket into its queue until the
// candidate is promoted or dropped.
func (p *PacketConn) candidateLoop(cd *candidate) {
	buf := make([]byte, 64*1024)
	for {
		n, err := cd.c.Read(buf)
		p.mu.Lock()
		if p.cand != cd {
			promoted := err == nil && p.cur == cd.c
			if promoted {
				// Promoted while this datagram was being read: hand it to
				// the reader, which may be blocked on this same socket.
				p.pending = append(p.pending, append([]byte(nil), buf[:n]...))
				p.wake++
			}
			p.mu.Unlock()
			if promoted {
				_ = cd.c.SetReadDeadline(time.Now())
			}
			return
		}
		if err != nil {
			p.cand = nil
			p.mu.Unlock()
			cd.close()
			return
		}
		if len(cd.queue) < rebindQueue {
			cd.queue = append(cd.queue, append([]byte(nil), buf[:n]...))
		}
		cur := p.cur
		p.wake++
		p.mu.Unlock()
		_ = cur.SetReadDeadline(time.Now())
	}
}

// nextCandidate pops a queued candidate datagram; p.mu is held.
func (p *PacketConn) nextCandidate() ([]byte, bool) {
	cd := p.cand
	if cd == nil || len(cd.queue) == 0 {
		return nil, false
	}
	d := cd.queue[0]
	cd.queue = cd.queue[1:]
	if !cd.started {
		cd.started = true
		cd.fromCur, cd.records = 0, 0
	}
	return d, true
}

// noteCurrent counts a datagram read from the current socket; p.mu is held.
func (p *PacketConn) noteCurrent() {
	if cd := p.cand; cd != nil && cd.started {
		cd.fromCur++
	}
}

// Decrypted is called after each record the session returned. It reports
// whether this promoted a candidate (the flow moved to its socket).
func (p *PacketConn) Decrypted() (moved bool, to net.Addr) {
	p.mu.Lock()
	cd := p.cand
	if cd == nil || !cd.started {
		p.mu.Unlock()
		return false, nil
	}
	cd.records++
	if cd.records <= rebindPipeline {
		p.mu.Unlock()
		return false, nil
	}
	if cd.fromCur > 0 {
		// The old path still delivers: keep it, drop the candidate.
		p.cand = nil
		p.mu.Unlock()
		cd.close()
		return false, nil
	}
	prev := p.cur
	p.cur = cd.c
	p.raddr = cd.c.RemoteAddr()
	p.cand = nil
	p.old = append(p.old, prev)
	if len(cd.queue) > 0 {
		// Datagrams queued from it are read before the socket itself.
		p.pending = append(p.pending, cd.queue...)
		cd.queue = nil
	}
	p.mu.Unlock()
	close(cd.done)
	// Stop the candidate loop (it sees p.cand != cd) and wake a reader
	// blocked on the previous socket.
	_ = cd.c.SetReadDeadline(time.Now())
	_ = prev.SetReadDeadline(time.Now())
	return true, p.raddr
}
