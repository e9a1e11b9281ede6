package worker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
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
		cfg, err = config.LoadBytes(data, config.LoadOptions{})
		if err != nil {
			return Result{}, fmt.Errorf("worker: configuration snapshot: %w", err)
		}
	}
	w.cfg = cfg
	w.vhost = cfg.Default()

	// Health probe: a connection closed before sending anything.
	if probe, err := isHealthProbe(p.Conn, 30*time.Second); err == nil && probe {
		w.log.Debugf("TCP health probe, exiting")
		return Result{}, nil
	}
	if cfg.ListenProxyProto {
		if err := w.readProxyHeader(p.Conn); err != nil {
			return Result{}, nil // logged; ocserv's exit_worker
		}
	}

	authTimeout := time.Duration(cfg.AuthTimeout) * time.Second
	if authTimeout <= 0 {
		authTimeout = 1800 * time.Second
	}
	// auth-timeout bounds everything up to the tunnel (ocserv's alarm()).
	authDeadline := time.AfterFunc(authTimeout, func() {
		w.log.Infof("authentication timeout")
		p.Conn.Close()
	})
	stopAuth := context.AfterFunc(ctx, func() { p.Conn.Close() })

	keys, err := newTLSKeys(w, cfg)
	if err != nil {
		authDeadline.Stop()
		stopAuth()
		return Result{}, err
	}
	w.keys = keys
	w.tlsConn = tls.Server(p.Conn, keys.base)
	hctx, cancel := context.WithTimeout(ctx, authTimeout)
	err = w.tlsConn.HandshakeContext(hctx)
	cancel()
	if err != nil {
		authDeadline.Stop()
		stopAuth()
		return Result{}, fmt.Errorf("worker: TLS handshake: %w", err)
	}
	if cfg.ListenProxyProto {
		if err := w.sendProxyAddrs(); err != nil {
			authDeadline.Stop()
			stopAuth()
			return Result{}, err
		}
	}
	cs := w.tlsConn.ConnectionState()
	w.log.Debugf("TLS handshake completed: %s", w.keys.describe(cs))
	w.http = httpwire.NewConn(w.tlsConn, httpwire.Limits{}, authTimeout)

	authEnded, authOK := false, false
	w.endAuth = func() bool {
		if !authEnded {
			authEnded = true
			authDeadline.Stop()
			authOK = stopAuth()
		}
		return authOK
	}
	sess, err := w.serveHTTP()
	w.endAuth()
	if err != nil || sess == nil {
		return Result{Username: w.auth.username}, err
	}
	reason, err := sess.run(ctx)
	return Result{Reason: reason, Username: w.auth.username}, err
}

// isHealthProbe peeks at the connection: a peer that closed it without
// sending anything is a load-balancer health check (ocserv exits quietly).
func isHealthProbe(c net.Conn, timeout time.Duration) (bool, error) {
	sc, ok := c.(syscallConn)
	if !ok {
		return false, nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false, err
	}
	_ = c.SetReadDeadline(time.Now().Add(timeout))
	defer c.SetReadDeadline(time.Time{})
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
