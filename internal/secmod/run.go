package secmod

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// ProcName is sec-mod's process name (comm).
const ProcName = "ocserv-sm"

// Inherited descriptor names (docs/process-contract.md).
const (
	FDListen = "secm-listen"
	FDAsync  = "secm-async"
	FDSync   = "secm-sync"
)

// Run is sec-mod's entry point, called by cmd/ocserv when
// OCSERV_SECMOD_STARTUP is set. It returns nil when main closes the sync
// channel or on SIGTERM/SIGINT, and an error when start-up fails or a main
// channel breaks.
func Run(st *ipcpb.SecmodStartup) error {
	lvl := int(st.GetDebugLevel())
	log := logx.New("sec-mod", lvl, lvl != 0)
	defer log.Close()
	return run(st, options{log: log, setName: true, mainPID: os.Getppid()})
}

func run(st *ipcpb.SecmodStartup, opt options) error {
	if opt.setName {
		setProcName(ProcName)
	}
	signal.Ignore(syscall.SIGHUP)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	ln, async, sync, err := inheritedChannels()
	if err != nil {
		return err
	}
	defer ln.Close()
	defer async.Close()
	defer sync.Close()

	s, err := newServer(st, opt)
	if err != nil {
		return err
	}
	return s.serve(ln, async, sync, sigs)
}

// inheritedChannels opens the three descriptors main passed.
func inheritedChannels() (*net.UnixListener, *net.UnixConn, *net.UnixConn, error) {
	lf, err := ipc.InheritedFile(FDListen)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sec-mod: %w", err)
	}
	l, err := net.FileListener(lf)
	lf.Close()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("sec-mod: listener: %w", err)
	}
	ul, ok := l.(*net.UnixListener)
	if !ok {
		l.Close()
		return nil, nil, nil, fmt.Errorf("sec-mod: %s is not a Unix socket", FDListen)
	}
	var conns [2]*net.UnixConn
	for i, name := range []string{FDAsync, FDSync} {
		f, err := ipc.InheritedFile(name)
		if err == nil {
			conns[i], err = ipc.FileConn(f)
		}
		if err != nil {
			ul.Close()
			if i == 1 {
				conns[0].Close()
			}
			return nil, nil, nil, fmt.Errorf("sec-mod: %s: %w", name, err)
		}
	}
	return ul, conns[0], conns[1], nil
}

// serve runs the three channels until the sync channel ends or a signal
// arrives.
func (s *Server) serve(ln *net.UnixListener, async, sync *net.UnixConn, sigs <-chan os.Signal) error {
	s.asyncMu.Lock()
	s.async = async
	s.asyncMu.Unlock()

	syncDone := make(chan error, 1)
	go func() { syncDone <- s.serveSync(sync) }()
	asyncDone := make(chan struct{})
	go func() { s.serveAsync(async); close(asyncDone) }()
	workersDone := make(chan error, 1)
	go func() { workersDone <- s.serveWorkers(ln) }()

	s.log.Infof("sec-mod initialized (socket: %s)", ln.Addr())
	tick := time.NewTicker(s.opt.maintenance)
	defer tick.Stop()
	sweep := time.NewTicker(s.opt.sweep)
	defer sweep.Stop()

	var err error
loop:
	for {
		select {
		case err = <-syncDone:
			if err == nil {
				s.log.Infof("main closed the command channel; exiting")
			}
			break loop
		case sig := <-sigs:
			s.log.Infof("received %v; exiting", sig)
			break loop
		case <-tick.C:
			s.maintenance()
		case <-sweep.C:
			s.sweepLogins()
		}
	}
	ln.Close()
	sync.Close()
	s.asyncMu.Lock()
	s.async = nil
	async.Close()
	s.asyncMu.Unlock()
	<-asyncDone
	<-workersDone
	// Drop the keys (ocserv wipes them on exit).
	s.mu.Lock()
	s.keys = nil
	s.mu.Unlock()
	return err
}

// setProcName sets the process name shown by ps (comm of the main thread).
func setProcName(name string) {
	if err := os.WriteFile("/proc/self/comm", []byte(name), 0); err != nil {
		_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafePtr(name)), 0, 0, 0)
	}
}
