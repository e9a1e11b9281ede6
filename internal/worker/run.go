package worker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/internal/authxml"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/httpwire"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// Disconnect reasons (ocserv's REASON_*, architecture.md §7.2), reported to
// sec-mod in the final CMD_SEC_CLI_STATS.
const (
	ReasonAny              = 1
	ReasonUserDisconnect   = 2
	ReasonServerDisconnect = 3
	ReasonIdleTimeout      = 4
	ReasonDPDTimeout       = 5
	ReasonError            = 6
	ReasonSessionTimeout   = 7
	ReasonTempDisconnect   = 8
	ReasonHealthProbe      = 9
)

// Params is what a worker needs to serve one client.
type Params struct {
	Startup *ipcpb.WorkerStartup
	Cmd     *net.UnixConn // the cmd socket to main
	Conn    net.Conn      // the accepted client TCP connection
	Log     *logx.Logger  // "worker" logger; nil = a quiet one
	// CheckEvery is the period of the tunnel's timer checks (DPD, idle,
	// session timeout, statistics); 0 means one second.
	CheckEvery time.Duration
	// Config, if set, is the already parsed configuration snapshot (the
	// isolate-workers filter forbids the file reads a parse does).
	Config *config.Config
}

// Result tells how the worker ended.
type Result struct {
	Reason   int    // REASON_* when a tunnel existed, else 0
	Username string // empty before authentication
}

// worker is the state of one client connection.
type worker struct {
	p        Params
	st       *ipcpb.WorkerStartup
	cfg      *config.Config
	vhost    *config.Vhost // chosen by SNI
	log      *logx.Logger
	tlsConn  *tls.Conn
	http     *httpwire.Conn
	keys     *tlsKeys
	remoteIP string
	ipv6Peer bool // client reached us over IPv6 (MTU overhead 40)

	// listen-proxy-proto: raw sockaddrs from the PROXY header (proxyproto.go).
	proxyRemote, proxyOur []byte

	// endAuth ends the authentication phase (its timeout, and closing the
	// connection on SIGTERM) just before the CONNECT response commits to a
	// tunnel; from then on SIGTERM sends the CSTP kick instead. It reports
	// false when SIGTERM already closed the connection.
	endAuth func() bool
	clock   *authClock // bounds the authentication phase (nil in unit tests)

	// HTTP-level client information (protocol.md §2.1).
	userAgent      string
	client         authxml.Client
	ios            bool
	mobile         bool
	devicePlatform string
	deviceType     string
	hostname       string

	auth authState
}

// Run serves one client until the connection ends. ctx cancellation is
// SIGTERM: an established tunnel is ended with the CSTP kick.
func Run(ctx context.Context, p Params) (Result, error) {
	if p.Startup == nil || p.Cmd == nil || p.Conn == nil {
		return Result{}, errors.New("worker: incomplete parameters")
	}
	w := &worker{p: p, st: p.Startup, log: p.Log, remoteIP: p.Startup.GetRemoteIpStr()}
	if w.log == nil {
		w.log = logx.NewWithOptions("worker", logx.Options{NoSyslog: true})
	}
	w.log = w.log.With("worker: " + w.remoteIP)
	if a, err := netip.ParseAddr(w.remoteIP); err == nil && a.Unmap().Is6() {
		w.ipv6Peer = true
	}
	defer p.Conn.Close()

	cfg := p.Config
	if cfg == nil {
		var data []byte
		if se := w.st.GetSnapshotEntries(); len(se) > 0 {
			data = se[0].GetData()
		}
		if data == nil {
			return Result{}, errors.New("worker: start-up message carries no configuration snapshot")
		}
		var err error
		cfg, err = config.LoadBytes(data, config.LoadOptions{NoAccounts: true}) // names only: the static worker cannot read NSS
		if err != nil {
			return Result{}, fmt.Errorf("worker: configuration snapshot: %w", err)
		}
	}
	w.cfg = cfg
	w.vhost = cfg.Default()

	// auth-timeout bounds everything from accept to the tunnel (ocserv's
	// alarm(), set before its first read), and SIGTERM ends the connection
	// at every stage before the tunnel: a silent or slow client is dropped
	// at auth-timeout whatever stage it stalls in.
	authTimeout := authTimeoutOf(cfg)
	clock := w.startAuthClock(ctx, authTimeout)
	w.endAuth = clock.end

	// Health probe: a connection closed before sending anything.
	probe, err := isHealthProbe(p.Conn)
	if clock.logInterrupt(w) {
		clock.end()
		return Result{}, nil
	}
	if err == nil && probe {
		clock.end()
		w.log.Debugf("TCP health probe, exiting")
		return Result{}, nil
	}
	if cfg.ListenProxyProto {
		if err := w.readProxyHeader(p.Conn); err != nil {
			clock.end()
			return Result{}, nil // logged; ocserv's exit_worker
		}
	}
	if err := w.handshake(); err != nil {
		clock.end()
		if clock.logInterrupt(w) {
			return Result{}, nil
		}
		return Result{}, err
	}
	// No per-request deadline: the auth clock bounds the whole phase.
	w.http = httpwire.NewConn(w.tlsConn, httpwire.Limits{}, 0)

	sess, err := w.serveHTTP()
	w.endAuth()
	if clock.logInterrupt(w) {
		err = nil // the timeout or SIGTERM closed the connection: not a worker error
	}
	if err != nil || sess == nil {
		return Result{Username: w.auth.username}, err
	}
	reason, err := sess.run(ctx)
	return Result{Reason: reason, Username: w.auth.username}, err
}

// authTimeoutOf is auth-timeout, or ocserv's 1800 s when it is unset.
func authTimeoutOf(cfg *config.Config) time.Duration {
	if cfg.AuthTimeout > 0 {
		return time.Duration(cfg.AuthTimeout) * time.Second
	}
	return 1800 * time.Second
}

// authClock is the authentication phase's bound: when auth-timeout passes
// or ctx is cancelled (SIGTERM from main) before end is called, the client
// connection is closed, which unblocks whatever read or handshake the
// worker is in.
type authClock struct {
	timer   *time.Timer
	stopCtx func() bool
	fired   atomic.Bool
	timeout atomic.Bool // fired by auth-timeout (else by SIGTERM)
	once    sync.Once
	done    chan struct{} // closed when the clock closes the connection
	ended   bool
	endedOK bool
}

func (w *worker) startAuthClock(ctx context.Context, timeout time.Duration) *authClock {
	c := &authClock{done: make(chan struct{})}
	conn := w.p.Conn
	fire := func() {
		c.fired.Store(true)
		conn.Close()
		c.once.Do(func() { close(c.done) })
	}
	// The callbacks do not log: w.log changes under the worker's
	// goroutine (relog); Run logs the interruption (logInterrupt).
	c.timer = time.AfterFunc(timeout, func() {
		c.timeout.Store(true)
		fire()
	})
	c.stopCtx = context.AfterFunc(ctx, fire)
	w.clock = c
	return c
}

// end stops the clock (just before the CONNECT response commits to a
// tunnel); it reports false when the clock already closed the connection.
// Only the worker's goroutine calls it; later calls repeat the first answer.
func (c *authClock) end() bool {
	if !c.ended {
		c.ended = true
		c.timer.Stop()
		c.endedOK = c.stopCtx() && !c.fired.Load()
	}
	return c.endedOK
}

// interrupted reports whether the timeout or SIGTERM closed the connection.
func (c *authClock) interrupted() bool { return c.fired.Load() }

// logInterrupt logs, from the worker's goroutine, why the clock closed the
// connection; it reports whether it did.
func (c *authClock) logInterrupt(w *worker) bool {
	switch {
	case !c.interrupted():
		return false
	case c.timeout.Load():
		w.log.Infof("authentication timeout")
	default:
		w.log.Debugf("terminated before the tunnel started")
	}
	return true
}

// handshake runs the TLS handshake (bounded by the auth clock, which closes
// the connection on timeout or SIGTERM) and the proxy-protocol report.
func (w *worker) handshake() error {
	keys, err := newTLSKeys(w, w.cfg)
	if err != nil {
		return err
	}
	w.keys = keys
	w.tlsConn = tls.Server(w.p.Conn, keys.base)
	if err := w.tlsConn.Handshake(); err != nil {
		return fmt.Errorf("worker: TLS handshake: %w", err)
	}
	if w.cfg.ListenProxyProto {
		if err := w.sendProxyAddrs(); err != nil {
			return err
		}
	}
	cs := w.tlsConn.ConnectionState()
	w.log.Debugf("TLS handshake completed: %s", w.keys.describe(cs))
	return nil
}

// isHealthProbe peeks at the connection: a peer that closed it without
// sending anything is a load-balancer health check (ocserv exits quietly).
// It waits for the first byte without a deadline of its own: the auth
// clock closes the connection on auth-timeout or SIGTERM.
func isHealthProbe(c net.Conn) (bool, error) {
	sc, ok := c.(syscallConn)
	if !ok {
		return false, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, err
	}
	var n int
	var perr error
	var b [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, perr = unix.Recvfrom(int(fd), b[:], unix.MSG_PEEK)
		return !errors.Is(perr, unix.EAGAIN)
	})
	if err != nil {
		return false, err
	}
	if perr != nil {
		return true, nil
	}
	return n == 0, nil
}

type syscallConn interface {
	SyscallConn() (syscall.RawConn, error)
}
