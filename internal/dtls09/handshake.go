package dtls09

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"time"
)

// Config is what the TLS channel agreed for one DTLS 0.9 session.
type Config struct {
	// SessionID is the X-DTLS-Session-ID sent to the client (32 bytes in
	// ocserv); the ClientHello must carry exactly this session_id.
	SessionID []byte
	// MasterSecret is the client's X-DTLS-Master-Secret, 48 bytes.
	MasterSecret []byte
	// Suite is the suite announced in X-DTLS-CipherSuite; the ClientHello
	// must offer it.
	Suite Suite
	// MTU is the largest datagram the path carries (link MTU minus the IP
	// and UDP headers, what ocserv gives gnutls_dtls_set_mtu). Write
	// refuses payloads above MTU − Overhead() with ErrTooLarge, as GnuTLS
	// does. 0 means no limit but the record size.
	MTU int
	// HandshakeTimeout bounds the whole handshake (default 60 s, GnuTLS's
	// total DTLS handshake timeout).
	HandshakeTimeout time.Duration
}

// Handshake timing: the server flight is resent when the client's flight
// has not arrived after initialRTO, doubling up to maxRTO, at most
// maxRetransmits times.
const (
	defaultHandshakeTimeout = 60 * time.Second
	initialRTO              = 400 * time.Millisecond
	maxRTO                  = 8 * time.Second
	maxRetransmits          = 8
	maxHandshakeDatagrams   = 256
)

var (
	// ErrRefused is returned by Server for a ClientHello that does not
	// resume this session: another session id, the suite not offered, no
	// null compression, or a malformed hello.
	ErrRefused = errors.New("dtls09: ClientHello refused")
	// ErrHandshakeTimeout is returned by Server when the client's Finished
	// did not arrive in time.
	ErrHandshakeTimeout = errors.New("dtls09: handshake timed out")
)

func (cfg *Config) check() error {
	if len(cfg.MasterSecret) != 48 {
		return fmt.Errorf("dtls09: master secret is %d bytes, want 48", len(cfg.MasterSecret))
	}
	if len(cfg.SessionID) == 0 || len(cfg.SessionID) > maxSessionID {
		return fmt.Errorf("dtls09: session id is %d bytes, want 1..32", len(cfg.SessionID))
	}
	if _, ok := suites[cfg.Suite]; !ok {
		return fmt.Errorf("dtls09: unsupported suite %v", cfg.Suite)
	}
	return nil
}

// Server runs the abbreviated DTLS 0.9 handshake on pc, a connected UDP
// socket (one datagram per Read and Write) whose first datagram, the
// ClientHello, was already read and is passed as first. On success the
// Conn owns pc; on error pc is left open for the caller to close.
func Server(pc net.Conn, first []byte, cfg Config) (*Conn, error) {
	return ServerContext(context.Background(), pc, first, cfg)
}

// ServerContext is Server with a context: cancelling it aborts the
// handshake (ctx.Err() is returned). It has no effect once the handshake
// is done.
func ServerContext(ctx context.Context, pc net.Conn, first []byte, cfg Config) (*Conn, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if cfg.HandshakeTimeout <= 0 {
		cfg.HandshakeTimeout = defaultHandshakeTimeout
	}
	ch, chBody, err := findClientHello(first)
	if err != nil {
		return nil, err
	}
	if err := acceptHello(ch, cfg); err != nil {
		sendAlert(pc, alertHandshakeFailure)
		return nil, err
	}

	hs := &serverHandshake{cfg: cfg, clientRandom: bytes.Clone(ch.random)}
	serverRandom := make([]byte, randomLen)
	if _, err := rand.Read(serverRandom); err != nil {
		return nil, fmt.Errorf("dtls09: server random: %w", err)
	}
	k := deriveKeys(cfg.MasterSecret, ch.random, serverRandom, cfg.Suite)
	c, err := newConn(pc, cfg, k)
	if err != nil {
		return nil, err
	}

	t := newTranscript()
	t.add(chBody)
	sh := serverHelloBody(serverRandom, cfg.SessionID, cfg.Suite, ch.recordSizeLimit)
	t.add(sh)
	hs.serverHello = appendHandshake(nil, hsServerHello, 0, sh)
	sv := t.finished(cfg.MasterSecret, "server finished")
	hs.finished = appendHandshake(nil, hsFinished, 2, sv)
	t.add(sv)
	hs.clientVerify = t.finished(cfg.MasterSecret, "client finished")

	if err := hs.sendFlight(c); err != nil {
		return nil, err
	}
	stop := context.AfterFunc(ctx, func() { pc.SetReadDeadline(time.Now()) })
	defer stop()
	if err := hs.await(ctx, c); err != nil {
		return nil, err
	}
	return c, nil
}

// findClientHello takes the ClientHello from the first record of the
// datagram main forwarded.
func findClientHello(d []byte) (*clientHello, []byte, error) {
	rec, _, err := parseRecord(d)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if rec.typ != typeHandshake || rec.epoch != 0 {
		return nil, nil, fmt.Errorf("%w: first record is type %d epoch %d", ErrRefused, rec.typ, rec.epoch)
	}
	m, err := parseHandshake(rec.body)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if m.typ != hsClientHello {
		return nil, nil, fmt.Errorf("%w: handshake type %d", ErrRefused, m.typ)
	}
	ch, err := parseClientHello(m.body)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return ch, m.body, nil
}

// acceptHello checks that the hello resumes the session of cfg.
func acceptHello(ch *clientHello, cfg Config) error {
	if !bytes.Equal(ch.sessionID, cfg.SessionID) {
		return fmt.Errorf("%w: session id %x is not %x", ErrRefused, ch.sessionID, cfg.SessionID)
	}
	offered := false
	for _, s := range ch.suites {
		offered = offered || s == cfg.Suite
	}
	if !offered {
		return fmt.Errorf("%w: suite %v not among %v", ErrRefused, cfg.Suite, ch.suites)
	}
	if !ch.nullCompression {
		return fmt.Errorf("%w: no null compression", ErrRefused)
	}
	return nil
}

// serverHandshake is the state between the first flight and the client's
// Finished.
type serverHandshake struct {
	cfg          Config
	clientRandom []byte
	serverHello  []byte // handshake message, header included
	finished     []byte // idem
	clientVerify []byte
	epoch0Seq    uint64
	sent         int // flights sent
	buf          []byte
}

// sendFlight sends ServerHello, ChangeCipherSpec and Finished as three
// datagrams (as GnuTLS does). Every transmission uses fresh record
// sequence numbers; the handshake message_seq stay 0, 1 and 2.
func (hs *serverHandshake) sendFlight(c *Conn) error {
	if hs.sent > maxRetransmits {
		return fmt.Errorf("%w: no client Finished after %d retransmissions", ErrHandshakeTimeout, maxRetransmits)
	}
	hs.sent++
	hs.buf = plainRecord(hs.buf[:0], typeHandshake, hs.epoch0Seq, hs.serverHello)
	if _, err := c.pc.Write(hs.buf); err != nil {
		return fmt.Errorf("dtls09: send ServerHello: %w", err)
	}
	hs.buf = plainRecord(hs.buf[:0], typeCCS, hs.epoch0Seq+1, []byte{1, 0, 1})
	if _, err := c.pc.Write(hs.buf); err != nil {
		return fmt.Errorf("dtls09: send ChangeCipherSpec: %w", err)
	}
	hs.epoch0Seq += 2
	var err error
	c.wmu.Lock()
	hs.buf, err = c.wr.seal(hs.buf[:0], typeHandshake, hs.finished, c.ivs)
	c.wmu.Unlock()
	if err != nil {
		return err
	}
	if _, err := c.pc.Write(hs.buf); err != nil {
		return fmt.Errorf("dtls09: send Finished: %w", err)
	}
	return nil
}

// await reads until the client's Finished verifies, resending the flight
// on timeouts and on a repeated ClientHello.
func (hs *serverHandshake) await(ctx context.Context, c *Conn) error {
	deadline := time.Now().Add(hs.cfg.HandshakeTimeout)
	rto := initialRTO
	next := time.Now().Add(rto)
	defer c.pc.SetReadDeadline(time.Time{})
	for i := 0; i < maxHandshakeDatagrams; i++ {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("dtls09: handshake: %w", err)
		}
		wake := next
		if deadline.Before(wake) {
			wake = deadline
		}
		if err := c.pc.SetReadDeadline(wake); err != nil {
			return fmt.Errorf("dtls09: handshake: %w", err)
		}
		n, err := c.pc.Read(c.rbuf)
		now := time.Now()
		if err != nil {
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				return fmt.Errorf("dtls09: handshake read: %w", err)
			}
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("dtls09: handshake: %w", err)
			}
			if !now.Before(deadline) {
				return fmt.Errorf("%w after %v", ErrHandshakeTimeout, hs.cfg.HandshakeTimeout)
			}
			if now.Before(next) {
				continue
			}
			if err := hs.sendFlight(c); err != nil {
				return err
			}
			rto = min(2*rto, maxRTO)
			next = now.Add(rto)
			continue
		}
		done, resend, err := hs.handle(c, c.rbuf[:n])
		if err != nil || done {
			return err
		}
		if resend {
			if err := hs.sendFlight(c); err != nil {
				return err
			}
			next = now.Add(rto)
		}
	}
	return fmt.Errorf("%w: %d datagrams without a client Finished", ErrHandshakeTimeout, maxHandshakeDatagrams)
}

// handle processes one datagram during the handshake. It reports whether
// the client's Finished verified (records after it in the same datagram
// are kept for Read) and whether the flight should be resent.
func (hs *serverHandshake) handle(c *Conn, d []byte) (done, resend bool, err error) {
	for len(d) > 0 {
		rec, rest, err := parseRecord(d)
		if err != nil {
			return false, resend, nil // drop the rest of the datagram
		}
		d = rest
		switch {
		case rec.epoch == 0 && rec.typ == typeHandshake:
			// A retransmitted ClientHello: our flight was lost.
			if ch, _, err := findClientHello(plainRecord(nil, rec.typ, rec.seq, rec.body)); err == nil &&
				bytes.Equal(ch.random, hs.clientRandom) {
				resend = true
			}
		case rec.epoch == 0 && rec.typ == typeAlert:
			if len(rec.body) == 2 && rec.body[0] == alertFatal {
				return false, false, fmt.Errorf("dtls09: handshake: client sent fatal alert %d", rec.body[1])
			}
		case rec.epoch == 1 && (rec.typ == typeHandshake || rec.typ == typeAlert):
			if !c.rwin.fresh(rec.seq) {
				continue
			}
			pt, ok := c.rd.open(rec)
			if !ok {
				continue
			}
			c.rwin.accept(rec.seq)
			if rec.typ == typeAlert {
				return false, false, fmt.Errorf("dtls09: handshake: client sent alert %x", pt)
			}
			m, err := parseHandshake(pt)
			if err != nil || m.typ != hsFinished {
				return false, false, fmt.Errorf("dtls09: handshake: expected client Finished: %x", pt)
			}
			if subtle.ConstantTimeCompare(m.body, hs.clientVerify) != 1 {
				return false, false, errors.New("dtls09: client Finished does not verify (master secret mismatch?)")
			}
			c.pend = d
			return true, false, nil
		}
		// Anything else (the client's ChangeCipherSpec, early data) is
		// ignored: only the authenticated Finished completes the handshake.
	}
	return false, resend, nil
}

// Alerts.
const (
	alertWarning          = 1
	alertFatal            = 2
	alertCloseNotify      = 0
	alertHandshakeFailure = 40
)

// sendAlert sends a fatal epoch-0 alert, best effort.
func sendAlert(pc net.Conn, desc uint8) {
	pc.Write(plainRecord(nil, typeAlert, 0, []byte{alertFatal, desc}))
}
