package mainproc

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/lease"
	"github.com/ocserv-go/ocserv/internal/logx"
	"github.com/ocserv-go/ocserv/internal/tundev"
)

// procState follows ocserv's proc->status (PS_AUTH_*), reduced to what main
// needs.
type procState int

const (
	stPreAuth    procState = iota // worker running, no cookie presented yet
	stOpening                     // AUTH_COOKIE_REQ being processed
	stConnected                   // AUTH_COOKIE_REP OK sent
	stAuthFailed                  // AUTH_COOKIE_REP FAILED sent
)

// proc is one worker and, once it presented a valid cookie, its session
// (ocserv's struct proc_st). The fields after the first block are guarded
// by server.mu.
type proc struct {
	pid      int
	conn     *net.UnixConn
	signal   func(syscall.Signal) error
	remote   netip.AddrPort
	local    netip.AddrPort
	connTime time.Time
	done     chan struct{} // closed when the session has been cleaned up
	// exited is closed once the worker process has been reaped (reap.go);
	// nil when there is no process to wait for.
	exited <-chan struct{}
	// sendMu orders main's writes to the worker (sendWorker); udpBusy is
	// set while a UDP socket is on its way to the worker (udp.go).
	sendMu  sync.Mutex
	udpBusy atomic.Bool
	// exitGrace and sendTimeout are workerExitGrace and workerSendTimeout
	// (set by addProc unless a test chose its own).
	exitGrace, sendTimeout time.Duration

	state       procState
	sid         []byte
	username    string
	groupname   string
	hostname    string
	userAgent   string
	devType     string
	devPlatform string
	vhost       *config.Vhost
	cfg         *config.Config // configuration the session started with
	gc          *ipcpb.GroupConfig
	leases      *lease.Leases
	tunName     string
	tunIndex    int // interface index of tunName (0: unknown)
	tunCfg      tundev.Config
	sessionOpen bool // SECM_SESSION_OPEN succeeded: SESSION_CLOSE at the end
	connected   bool // connect script succeeded: disconnect script at the end
	connectedAt time.Time
	killed      bool // SIGTERM sent by main (takeover, shutdown, error)
	serverDisc  bool // disconnected by the server (admin kick)
	tlsCipher   string
	dtlsCipher  string
	cstpCompr   string // CSTP/DTLS compression method from CMD_SESSION_INFO
	dtlsCompr   string
	mtu         int

	iroutesApplied bool // route-add-cmd ran for the iroutes (iroute.go)
	hostUpdated    bool // host-update script started (hostupdate.go)
	utmpWritten    bool // utmp login record written (utmp.go)
}

// prefix is ocserv's mslog prefix for a client: "main[user]:IP:port", or
// "main:IP:port" before the user is known.
func (p *proc) prefix() string {
	addr := p.remote.Addr().Unmap().String()
	if p.username == "" {
		return fmt.Sprintf("main:%s:%d", addr, p.remote.Port())
	}
	return fmt.Sprintf("main[%s]:%s:%d", p.username, addr, p.remote.Port())
}

// logger returns l with p's prefix.
func (p *proc) logger(l *logx.Logger) *logx.Logger { return l.With(p.prefix()) }

// workerExitGrace is how long a worker told to go (SIGTERM, or its command
// socket closed) has to exit before main kills it. It is longer than the
// worker's own last exchange with sec-mod (ipc.KeyOpTimeout). Tests
// shorten a proc's exitGrace.
const workerExitGrace = 15 * time.Second

// kill sends sig to the worker and marks it as being killed by main. A
// worker that ignores SIGTERM is sent SIGKILL after p.exitGrace. The
// caller holds server.mu.
func (p *proc) kill(sig syscall.Signal) {
	p.killed = true
	if p.signal == nil {
		return
	}
	_ = p.signal(sig)
	if sig == syscall.SIGKILL || p.exited == nil {
		return
	}
	exited, signal := p.exited, p.signal
	time.AfterFunc(p.exitGrace, func() {
		select {
		case <-exited:
		default:
			_ = signal(syscall.SIGKILL)
		}
	})
}
