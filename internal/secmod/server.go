package secmod

import (
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/ocserv-go/ocserv/internal/auth/radius"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
	"github.com/ocserv-go/ocserv/internal/signer"
)

// MaintenanceInterval is how often expired cookies are dropped and
// statistics sent to main (ocserv's SIGALRM every MAINTENANCE_TIME, 310 s).
const MaintenanceInterval = 310 * time.Second

// workerReadTimeout bounds the reading of one worker request.
const workerReadTimeout = 10 * time.Second

// maxWorkerConns bounds the worker requests served at the same time.
const maxWorkerConns = 256

// options are the knobs tests turn; Run uses defaultOptions.
type options struct {
	log         *logx.Logger
	now         func() time.Time
	maintenance time.Duration
	sweep       time.Duration // LoginSweepInterval
	setName     bool
	// mainPID, when set, is main's pid: a peer that is not root must be
	// main's child (every worker is), so another process running as the
	// worker's user cannot talk to sec-mod. Run sets it to sec-mod's parent.
	mainPID int
}

// Server is the state of one sec-mod instance.
type Server struct {
	opt      options
	log      *logx.Logger
	hmacKey  []byte
	uid, gid uint32
	cfgPath  string

	mu      sync.Mutex
	cfg     *config.Config
	keys    signer.Keys
	rsaKx   map[string]bool               // vhosts with a TLS RSA key exchange (decrypt allowed)
	methods map[string][]method           // by vhost name; fixed at start-up (auth is a permanent option)
	acct    map[string]*radius.Accounting // acct = radius[...], by vhost name

	store *store

	asyncMu sync.Mutex
	async   *net.UnixConn

	statsMu      sync.Mutex
	authFailures uint64
	authTimeSum  time.Duration
	authCount    uint64
	authTimeMax  time.Duration
}

// newServer loads the configuration and keys named by st.
func newServer(st *ipcpb.SecmodStartup, opt options) (*Server, error) {
	if opt.now == nil {
		opt.now = time.Now
	}
	if opt.maintenance <= 0 {
		opt.maintenance = MaintenanceInterval
	}
	if opt.sweep <= 0 {
		opt.sweep = LoginSweepInterval
	}
	if len(st.GetHmacKey()) == 0 {
		return nil, fmt.Errorf("sec-mod: start-up message without an HMAC key")
	}
	cfg, err := config.Load(st.GetConfigFile(), config.LoadOptions{})
	if err != nil {
		return nil, fmt.Errorf("sec-mod: loading %s: %w", st.GetConfigFile(), err)
	}
	ks, err := loadKeys(cfg)
	if err != nil {
		return nil, fmt.Errorf("sec-mod: %w", err)
	}
	s := &Server{
		opt:     opt,
		log:     opt.log,
		hmacKey: append([]byte(nil), st.GetHmacKey()...),
		uid:     st.GetWorkerUid(),
		gid:     st.GetWorkerGid(),
		cfgPath: st.GetConfigFile(),
		cfg:     cfg,
		keys:    ks,
		rsaKx:   rsaKeyExchangeVhosts(cfg),
		store:   newStore(byte(st.GetInstance())),
	}
	if st.GetDebugLevel() == 0 && cfg.LogLevelSet {
		s.log.SetLevel(cfg.LogLevel)
	}
	// The log line already says sec-mod.
	if s.methods, err = buildMethods(cfg, s.log); err != nil {
		return nil, err
	}
	if s.acct, err = buildAcct(cfg, s.log); err != nil {
		return nil, err
	}
	s.store.onDel = func(e *entry) { s.acctEventLocked(e, radius.StatusStop) }
	return s, nil
}

func (s *Server) now() time.Time { return s.opt.now() }

// config returns the current configuration.
func (s *Server) config() *config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// reload re-reads the configuration (CMD_SECM_RELOAD) and the key files.
// A configuration that fails to load keeps the old one; so do keys.
func (s *Server) reload() {
	cfg, err := config.Load(s.cfgPath, config.LoadOptions{Reload: true})
	if err != nil {
		s.log.Errorf("error reloading %s: %v", s.cfgPath, err)
		return
	}
	ks, err := reloadKeys(cfg, s.config())
	s.mu.Lock()
	s.cfg = cfg
	s.rsaKx = rsaKeyExchangeVhosts(cfg)
	if err == nil {
		s.keys = ks
	}
	s.mu.Unlock()
	if err != nil {
		s.log.Errorf("reload: keeping the previous keys: %v", err)
	}
	s.log.Infof("reloaded configuration")
}

// credOK is the worker peer-credential rule: uid 0 or the worker's uid, and
// gid 0 or the worker's gid.
func (s *Server) credOK(c ipc.Cred) bool {
	if !((c.UID == 0 || c.UID == s.uid) && (c.GID == 0 || c.GID == s.gid)) {
		return false
	}
	if c.UID == 0 || s.opt.mainPID <= 0 {
		return true
	}
	ppid, err := procParent(c.PID)
	return err == nil && ppid == int32(s.opt.mainPID)
}

func (s *Server) noteAuthTime(d time.Duration, failed bool) {
	s.statsMu.Lock()
	defer s.statsMu.Unlock()
	if failed {
		s.authFailures++
		return
	}
	s.authCount++
	s.authTimeSum += d
	if d > s.authTimeMax {
		s.authTimeMax = d
	}
}
