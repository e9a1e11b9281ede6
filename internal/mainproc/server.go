package mainproc

import (
	"context"
	"sync"
	"time"

	"github.com/ocserv-go/ocserv/internal/ban"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/lease"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// server is the state of the main process (ocserv's main_server_st).
type server struct {
	log    *logx.Logger
	sm     SecMod
	tun    Tun
	script ScriptRunner
	ban    BanChecker
	bans   *ban.Table // the real table behind ban (nil in tests); occtl reads it
	leases *lease.Table
	now    func() time.Time
	stats  *serverStats // occtl's "show status" counters
	ctl    *ctlServer   // occtl control socket (startCtl)

	ctx    context.Context // cancelled at shutdown (stops scripts)
	cancel context.CancelFunc

	loops   sync.WaitGroup // worker command loops
	scripts sync.WaitGroup // disconnect scripts still running

	mu       sync.Mutex
	cfg      *config.Config // current configuration (new sessions use it)
	snapshot *snapshot      // what new workers are given
	procs    map[int]*proc  // by worker pid
	stopping bool           // shutdown started: no new sessions

	udp udpRouter // DTLS ids → sessions (udp.go)
}

// snapshot is the part of the configuration handed to each new worker:
// the config file bytes main loaded and the public certificate chains.
type snapshot struct {
	file   string
	data   []byte
	chains []*ipcpb.CertChain
	// auto-select-group lists (authgroups.go)
	pamGroups, plainGroups []string
}

// serverDeps are the replaceable parts of a server (tests use fakes).
type serverDeps struct {
	log    *logx.Logger
	sm     SecMod
	tun    Tun
	script ScriptRunner
	ban    BanChecker
	now    func() time.Time
}

func newServer(cfg *config.Config, snap *snapshot, d serverDeps) *server {
	s := &server{
		log:      d.log,
		sm:       d.sm,
		tun:      d.tun,
		script:   d.script,
		ban:      d.ban,
		now:      d.now,
		cfg:      cfg,
		snapshot: snap,
		procs:    make(map[int]*proc),
	}
	if s.tun == nil {
		s.tun = realTun{}
	}
	if s.ban == nil {
		s.ban = noBans{}
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.stats = newServerStats(s.now())
	var pinger lease.Pinger
	if cfg.PingLeases {
		pinger = icmpPinger{}
	}
	s.leases = lease.NewTable(pinger)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// config returns the current configuration.
func (s *server) config() *config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// addProc records a started worker and serves its command socket until it
// goes away; then the session is cleaned up (remove_proc).
func (s *server) addProc(p *proc) {
	p.done = make(chan struct{})
	if p.exitGrace == 0 {
		p.exitGrace = workerExitGrace
	}
	if p.sendTimeout == 0 {
		p.sendTimeout = workerSendTimeout
	}
	s.mu.Lock()
	s.procs[p.pid] = p
	s.mu.Unlock()
	s.loops.Add(1)
	go func() {
		defer s.loops.Done()
		s.removeProc(p, s.serveWorker(p))
	}()
}

// activeClients is the number of workers (authenticated or not), what
// max-clients limits.
func (s *server) activeClients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.procs)
}
