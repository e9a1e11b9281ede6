package dtlsx

import (
	"errors"
	"net"
	"sync"
	"time"
)

// PacketConn adapts the connected UDP socket main handed over to the
// net.PacketConn pion wants. The first Read returns the datagram main
// already consumed (the ClientHello). WriteTo ignores the address: the
// socket is connected, and (*net.UDPConn).WriteTo would fail on it.
//
// Replace swaps the socket after NAT rebinding; a Read blocked on the old
// socket returns its next read from the new one.
type PacketConn struct {
	raddr net.Addr

	mu    sync.Mutex
	cur   *net.UDPConn
	old   []*net.UDPConn
	first []byte
	rdl   time.Time

	cand    *candidate // NAT-rebinding candidate (rebind.go)
	pending [][]byte   // datagrams of a promoted candidate not read yet

	// wake counts the wake-ups (a read deadline of now set on the current
	// socket by Replace, Offer or the candidate's reader). ReadFrom sets
	// its own deadline and then checks wake: a wake-up between its last
	// look at the queues and that deadline would otherwise be overwritten
	// and lost, leaving it blocked on a socket the client left.
	wake uint64
}

// NewPacketConn wraps c; first is replayed by the first read (may be nil).
func NewPacketConn(c *net.UDPConn, first []byte) *PacketConn {
	var ra net.Addr = c.RemoteAddr()
	if ra == nil {
		ra = &net.UDPAddr{}
	}
	return &PacketConn{raddr: ra, cur: c, first: append([]byte(nil), first...)}
}

// RemoteAddr is the client's address.
func (p *PacketConn) RemoteAddr() net.Addr { return p.raddr }

// Replace makes c the socket for further reads and writes and queues
// first (if any) for the next read. The previous socket is closed.
func (p *PacketConn) Replace(c *net.UDPConn, first []byte) {
	p.mu.Lock()
	prev := p.cur
	p.cur = c
	p.wake++
	if first != nil {
		p.first = append([]byte(nil), first...)
	}
	p.mu.Unlock()
	// Wake a reader blocked on the previous socket; it retries on c.
	_ = prev.SetReadDeadline(time.Now())
	p.mu.Lock()
	p.old = append(p.old, prev)
	p.mu.Unlock()
}

func (p *PacketConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for range 1 << 20 {
		p.mu.Lock()
		if f := p.first; f != nil {
			p.first = nil
			p.mu.Unlock()
			return copy(b, f), p.raddr, nil
		}
		if len(p.pending) > 0 {
			f := p.pending[0]
			p.pending = p.pending[1:]
			p.mu.Unlock()
			return copy(b, f), p.raddr, nil
		}
		if f, ok := p.nextCandidate(); ok {
			p.mu.Unlock()
			return copy(b, f), p.raddr, nil
		}
		c := p.cur
		for _, o := range p.old {
			o.Close()
		}
		p.old = nil
		dl := p.rdl
		seen := p.wake
		p.mu.Unlock()
		_ = c.SetReadDeadline(dl)
		p.mu.Lock()
		lost := p.wake != seen
		p.mu.Unlock()
		if lost {
			continue // a wake-up came before our deadline replaced it
		}
		n, err := c.Read(b)
		if err != nil {
			p.mu.Lock()
			swapped := p.cur != c
			// A wake-up for a waiting candidate datagram, not the caller's deadline.
			woken := len(p.pending) > 0 || (p.cand != nil && len(p.cand.queue) > 0) ||
				(isTimeout(err) && (p.rdl.IsZero() || time.Now().Before(p.rdl)))
			p.mu.Unlock()
			if swapped || woken {
				continue
			}
			return n, p.raddr, err
		}
		p.mu.Lock()
		p.noteCurrent()
		p.mu.Unlock()
		return n, p.raddr, nil
	}
	return 0, p.raddr, errors.New("dtlsx: socket replaced too often")
}

// UDPWriteTimeout bounds one datagram write: a send that cannot leave
// the socket within it (a full send buffer) fails, and the record is
// dropped as a router would drop it, instead of stalling the sender.
const UDPWriteTimeout = 2 * time.Second

// WriteTo sends b on the current socket with a deadline of
// UDPWriteTimeout.
func (p *PacketConn) WriteTo(b []byte, _ net.Addr) (int, error) {
	p.mu.Lock()
	c := p.cur
	p.mu.Unlock()
	if err := c.SetWriteDeadline(time.Now().Add(UDPWriteTimeout)); err != nil {
		return 0, err
	}
	return c.Write(b)
}

// Close closes the current socket (and any replaced one).
func (p *PacketConn) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cand != nil {
		p.cand.close()
		p.cand = nil
	}
	for _, o := range p.old {
		o.Close()
	}
	p.old = nil
	return p.cur.Close()
}

func (p *PacketConn) LocalAddr() net.Addr {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cur.LocalAddr()
}

func (p *PacketConn) SetDeadline(t time.Time) error { return p.SetReadDeadline(t) }

func (p *PacketConn) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	p.rdl = t
	c := p.cur
	p.mu.Unlock()
	return c.SetReadDeadline(t)
}

func (p *PacketConn) SetWriteDeadline(t time.Time) error {
	p.mu.Lock()
	c := p.cur
	p.mu.Unlock()
	return c.SetWriteDeadline(t)
}
