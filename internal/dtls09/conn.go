package dtls09

import (
	crand "crypto/rand"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sync"
	"time"
)

// ErrTooLarge is returned by Write for a payload that would not fit the MTU.
var ErrTooLarge = errors.New("dtls09: record larger than the MTU")

// readBufLen holds the largest datagram we accept; records are at most
// 2^14 bytes plus overhead, several may share a datagram.
const readBufLen = 64 << 10

// Conn is an established DTLS 0.9 session. Read and Write may be called
// from different goroutines; each is also safe for concurrent use.
type Conn struct {
	pc    net.Conn
	suite Suite

	rmu  sync.Mutex
	rd   *cipherState
	rwin replayWindow
	rbuf []byte
	pend []byte // records of the current datagram not yet returned

	wmu    sync.Mutex
	wr     *cipherState
	wbuf   []byte
	ivs    io.Reader
	mtu    int
	closed bool
}

func newConn(pc net.Conn, cfg Config, k keys) (*Conn, error) {
	rd, err := newCipherState(cfg.Suite, k.clientKey, k.clientMAC, false)
	if err != nil {
		return nil, err
	}
	wr, err := newCipherState(cfg.Suite, k.serverKey, k.serverMAC, true)
	if err != nil {
		return nil, err
	}
	// IVs come from a ChaCha8 generator (cryptographically strong, no
	// system call per record) keyed from crypto/rand.
	var seed [32]byte
	if _, err := crand.Read(seed[:]); err != nil {
		return nil, fmt.Errorf("dtls09: IV seed: %w", err)
	}
	return &Conn{
		pc: pc, suite: cfg.Suite, rd: rd, wr: wr, mtu: cfg.MTU,
		rbuf: make([]byte, readBufLen),
		wbuf: make([]byte, 0, maxPlain+cfg.Suite.Overhead()),
		ivs:  rand.NewChaCha8(seed),
	}, nil
}

// Read returns the payload of the next authentic application record. Records
// that fail the MAC or padding check, replays, records of other epochs and
// handshake leftovers are dropped silently. A close_notify or fatal alert
// from the client returns io.EOF. If b is too short the payload is
// truncated and io.ErrShortBuffer returned.
func (c *Conn) Read(b []byte) (int, error) {
	c.rmu.Lock()
	defer c.rmu.Unlock()
	for {
		if len(c.pend) == 0 {
			n, err := c.pc.Read(c.rbuf)
			if err != nil {
				return 0, err
			}
			c.pend = c.rbuf[:n]
		}
		rec, rest, err := parseRecord(c.pend)
		if err != nil {
			c.pend = nil
			continue
		}
		c.pend = rest
		if rec.epoch != 1 || (rec.typ != typeAppData && rec.typ != typeAlert) || !c.rwin.fresh(rec.seq) {
			continue
		}
		pt, ok := c.rd.open(rec)
		if !ok {
			continue
		}
		c.rwin.accept(rec.seq)
		if rec.typ == typeAlert {
			if len(pt) == 2 && (pt[0] == alertFatal || pt[1] == alertCloseNotify) {
				return 0, io.EOF
			}
			continue
		}
		n := copy(b, pt)
		if n < len(pt) {
			return n, io.ErrShortBuffer
		}
		return n, nil
	}
}

// Write sends b as one application record in one datagram.
func (c *Conn) Write(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	if len(b) > maxPlain || (c.mtu > 0 && len(b) > c.mtu-c.suite.Overhead()) {
		return 0, fmt.Errorf("%w: %d bytes, MTU %d", ErrTooLarge, len(b), c.mtu)
	}
	var err error
	c.wbuf, err = c.wr.seal(c.wbuf[:0], typeAppData, b, c.ivs)
	if err != nil {
		return 0, err
	}
	if _, err := c.pc.Write(c.wbuf); err != nil {
		return 0, err
	}
	return len(b), nil
}

// Close sends a close_notify alert (best effort) and closes the socket.
func (c *Conn) Close() error {
	c.wmu.Lock()
	if c.closed {
		c.wmu.Unlock()
		return net.ErrClosed
	}
	c.closed = true
	if buf, err := c.wr.seal(c.wbuf[:0], typeAlert, []byte{alertWarning, alertCloseNotify}, c.ivs); err == nil {
		c.pc.Write(buf)
	}
	c.wmu.Unlock()
	return c.pc.Close()
}

// SetReadDeadline sets the deadline of Read (see net.Conn).
func (c *Conn) SetReadDeadline(t time.Time) error { return c.pc.SetReadDeadline(t) }

// SetMTU changes the MTU Write enforces (see Config.MTU), e.g. when the
// client's DPD probes show a larger path MTU.
func (c *Conn) SetMTU(mtu int) {
	c.wmu.Lock()
	c.mtu = mtu
	c.wmu.Unlock()
}

// Overhead is the worst-case record overhead for the MTU arithmetic:
// header, explicit IV, MAC and maximum padding (65 for AES, 49 for 3DES).
func (c *Conn) Overhead() int { return c.suite.Overhead() }

// CipherName is the GnuTLS-style description ocserv reports, e.g.
// "(DTLS0.9)-(RSA)-(AES-128-CBC)-(SHA1)".
func (c *Conn) CipherName() string { return c.suite.CipherName() }

// Suite returns the negotiated suite.
func (c *Conn) Suite() Suite { return c.suite }
