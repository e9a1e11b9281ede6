package mainproc

import (
	"fmt"
	"net"
	"net/netip"
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

// kill sends sig to the worker and marks it as being killed by main.
// The caller holds server.mu.
func (p *proc) kill(sig syscall.Signal) {
	p.killed = true
	if p.signal != nil {
		_ = p.signal(sig)
	}
}
