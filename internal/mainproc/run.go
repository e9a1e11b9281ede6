package mainproc

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/logx"
	"github.com/ocserv-go/ocserv/internal/version"
)

// Options is what cmd/ocserv passes from its command line.
type Options struct {
	Args       []string // the whole argv (argv[0] first); children get argv[1:]
	ConfigFile string   // path of the loaded configuration
	Debug      int      // -d N
	DebugSet   bool     // -d given: log to stderr as well
	Foreground bool     // -f
	NoChdir    bool     // --no-chdir
	PidFile    string   // -p (already merged into cfg.PidFile by config.Load)
	Stderr     io.Writer
}

// Run is the main process: it returns the exit status (0 after a clean
// SIGTERM/SIGINT shutdown, 1 on a start-up failure, a dead sec-mod or a
// broken configuration on reload). cfg was loaded and checked by the caller.
func Run(cfg *config.Config, o Options) int {
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if os.Geteuid() != 0 {
		fmt.Fprintln(o.Stderr, "This server requires root access to operate.")
		return 1
	}
	if err := becomeGroupLeader(); err != nil {
		fmt.Fprintf(o.Stderr, "error: %v\n", err)
	}
	if !o.Foreground && !inDaemon() {
		return daemonize(o)
	}
	closeDaemonPipe()
	cfgFile, err := filepath.Abs(o.ConfigFile)
	if err != nil {
		cfgFile = o.ConfigFile
	}
	if inDaemon() && !o.NoChdir {
		if err := os.Chdir("/"); err != nil {
			fmt.Fprintf(o.Stderr, "chdir: %v\n", err)
		}
	}
	_ = os.WriteFile("/proc/self/comm", []byte("ocserv-main"), 0)

	level := o.Debug
	if !o.DebugSet && cfg.LogLevelSet {
		level = cfg.LogLevel
	}
	log := logx.New("main", level, o.DebugSet && o.Debug != 0)
	defer log.Close()

	o.ConfigFile = cfgFile // reloads must find it after a chdir
	mirrored := o.DebugSet && o.Debug != 0
	// fatal reports a start-up failure; without the stderr mirror it is
	// printed on stderr too, so that it is not lost in syslog only.
	fatal := func(err error) int {
		log.Errorf("%v", err)
		if !mirrored {
			fmt.Fprintf(o.Stderr, "error: %v\n", err)
		}
		return 1
	}
	// Options read but not applied (docs/compat.md): warned, never silent.
	for _, w := range cfg.StartupWarnings() {
		log.Noticef("%s", w)
		if !mirrored {
			fmt.Fprintln(o.Stderr, w)
		}
	}
	if cfg.RunAsUID == 0 {
		log.Noticef("warning: run-as-user %s is uid 0: the workers will run as root", cfg.RunAsUser)
	}
	lns, err := openListeners(cfg, log, o.Stderr)
	if err != nil {
		return fatal(err)
	}
	closeListeners := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	snap, err := takeSnapshot(cfg, cfgFile)
	if err != nil {
		closeListeners()
		return fatal(err)
	}

	workerPath, err := os.Executable()
	if err != nil {
		closeListeners()
		return fatal(fmt.Errorf("cannot find our own executable: %w", err))
	}
	workerPath = filepath.Join(filepath.Dir(workerPath), "ocserv-worker")
	if w := workerBinaryWarning(workerPath); w != "" {
		log.Noticef("%s", w)
	}

	// Signals are caught before any child exists.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGHUP, syscall.SIGTERM, syscall.SIGINT, syscall.SIGUSR2)
	signal.Ignore(syscall.SIGPIPE)
	defer signal.Stop(sigs)

	sp := newSpawner()
	rp := newReaper()
	log.Infof("Starting 1 instances of ocserv-sm")
	sm, err := startSecmod(cfg, cfgFile, o.Args[1:], level, sp)
	if err != nil {
		closeListeners()
		return fatal(err)
	}

	pidFile := cfg.PidFile
	if pidFile != "" {
		if err := os.WriteFile(pidFile, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0o644); err != nil {
			log.Errorf("cannot write pid file %s: %v", pidFile, err)
		}
	}

	s := newServer(cfg, snap, serverDeps{log: log, sm: sm.client, script: scriptRunner(os.Stderr)})
	s.enableBans()
	defer s.startUDP()()
	if err := s.startCtl(cfg, sigs, sm.cmd.Process.Pid); err != nil {
		log.Errorf("Cannot create command handler: %v", err)
		sm.cmd.Process.Kill()
		closeListeners()
		return 1
	}
	ws := &workerStarter{
		path:       workerPath,
		args:       o.Args[1:],
		debug:      level,
		secmodPath: sm.socketPath,
		hmacKey:    sm.hmacKey,
		sp:         sp,
		rp:         rp,
	}

	secmodDead := make(chan struct{})
	go func() {
		err := serveAsync(sm.async, s.ban, log, s.stats.secmodReport)
		_ = err
		close(secmodDead)
	}()

	stop := make(chan struct{})
	conns := make(chan *net.TCPConn)
	acceptLoop(lns, conns, stop)
	log.Noticef("initialized ocserv %s", version.Compat)
	daemonReady()

	code := s.loop(o, ws, sigs, conns, secmodDead, sm.exited)
	close(stop)
	closeListeners()
	s.shutdown(sm)
	s.stopCtl()
	if pidFile != "" {
		os.Remove(pidFile)
	}
	os.Remove(sm.socketPath)
	return code
}

// loop is main's event loop: new connections, signals, sec-mod's death.
// It returns the exit status once the server has to stop.
func (s *server) loop(o Options, ws *workerStarter, sigs <-chan os.Signal, conns <-chan *net.TCPConn, secmodDead, secmodExited <-chan struct{}) int {
	var gate acceptGate
	acceptCh := conns
	maint := time.NewTicker(maintenanceEvery)
	defer maint.Stop()
	for {
		select {
		case <-maint.C:
			s.maintenance()
		case sig := <-sigs:
			switch sig {
			case syscall.SIGHUP:
				if err := s.reload(o); err != nil {
					s.log.Errorf("%v", err)
					return 1
				}
			case syscall.SIGUSR2:
				s.maintenance()
			default:
				s.log.Noticef("termination request received; waiting for children to die")
				if ms := s.config().ServerDrainMs; ms > 0 {
					time.Sleep(time.Duration(ms) * time.Millisecond)
				}
				return 0
			}
		case <-secmodDead:
			s.log.Errorf("ocserv-secmod died unexpectedly")
			return 1
		case <-secmodExited:
			s.log.Errorf("ocserv-secmod died unexpectedly")
			return 1
		case <-gate.resume:
			s.gateResume(&gate)
		case c := <-acceptCh:
			s.accept(ws, c, s.config())
			s.gateAfterAccept(&gate, ws.secmodPath)
		}
		acceptCh = conns
		if gate.paused() {
			acceptCh = nil
		}
	}
}

// accept applies max-clients and the ban check to a new connection and
// starts its worker.
func (s *server) accept(ws *workerStarter, c *net.TCPConn, cfg *config.Config) {
	remote := c.RemoteAddr().(*net.TCPAddr).AddrPort()
	ip := remote.Addr().Unmap()
	if cfg.MaxClients > 0 && s.activeClients() >= cfg.MaxClients {
		s.log.Infof("reached maximum client limit (active: %d)", s.activeClients())
		c.Close()
		return
	}
	if banAtAccept(cfg) && s.ban.Check(ip, cfg.BanPointsConnection) {
		c.Close()
		return
	}
	if err := s.startWorker(ws, c); err != nil {
		s.log.Errorf("main:%s:%d %v", ip, remote.Port(), err)
	}
}

// shutdown ends every session and stops sec-mod (ocserv's terminate_server):
// SIGTERM to all workers, a bounded wait (5 s, then SIGKILL), disconnect
// scripts, then sec-mod.
func (s *server) shutdown(sm *secmodProc) {
	s.mu.Lock()
	s.stopping = true
	for _, p := range s.procs {
		p.kill(syscall.SIGTERM)
	}
	s.mu.Unlock()

	if !waitGroupTimeout(&s.loops, 5*time.Second) {
		s.mu.Lock()
		for _, p := range s.procs {
			p.kill(syscall.SIGKILL)
		}
		s.mu.Unlock()
		waitGroupTimeout(&s.loops, 3*time.Second)
	}
	waitGroupTimeout(&s.scripts, scriptTimeout)
	s.cancel()

	if sm != nil {
		sm.client.sync.Close()
		sm.async.Close()
		if sm.cmd.Process != nil {
			sm.cmd.Process.Signal(syscall.SIGTERM)
		}
		select {
		case <-sm.exited:
		case <-time.After(5 * time.Second):
			sm.cmd.Process.Kill()
			<-sm.exited
		}
	}
}

// waitGroupTimeout waits for wg at most d; it reports whether wg finished.
func waitGroupTimeout(wg interface{ Wait() }, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// takeSnapshot captures the configuration bytes and the public
// certificate chains handed to new workers.
func takeSnapshot(cfg *config.Config, cfgFile string) (*snapshot, error) {
	data, err := os.ReadFile(cfgFile)
	if err != nil {
		return nil, fmt.Errorf("cannot read config file: %w", err)
	}
	chains, err := certChains(cfg)
	if err != nil {
		return nil, err
	}
	if a := activatedSet; a != nil {
		data = activatedPorts(data, a.tcpPort, a.udpPort)
	}
	snap := &snapshot{file: cfgFile, data: data, chains: chains}
	snap.pamGroups, snap.plainGroups = authGroupLists(cfg)
	return snap, nil
}
