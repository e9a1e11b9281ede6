// tlsunsafeekm: the DTLS PSK comes from the TLS exporter, which Go refuses
// on TLS 1.2 sessions without Extended Master Secret unless this is set;
// openconnect's GnuTLS priority (%COMPAT) does not negotiate EMS.

//go:debug tlsunsafeekm=1

// Command ocserv-worker is the per-client process of ocserv-go.
//
// main (ocserv) execs it once per accepted TCP connection with the
// run-as-user / run-as-group credentials and the inherited descriptors
// "startup" (a sealed memfd with the start-up message, read and closed
// first), "cmd" (socketpair to main) and "conn" (the client socket); see
// docs/process-contract.md. Nothing secret is in its argv or environment,
// and package nodump makes it non-dumpable before it reads anything. It
// serves the client with internal/worker and exits.
//
// It never loads private keys, PAM or other cgo code and is built static
// with CGO_ENABLED=0 (or, with cgo on, -tags netgo,osusergo); see
// deps_test.go and docs/process-contract.md. It mirrors ocserv's
// src/worker.c main().
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/cmd/ocserv-worker/internal/nodump"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
	"github.com/ocserv-go/ocserv/internal/worker"
)

func main() {
	os.Exit(run())
}

func run() int {
	if name, err := unix.BytePtrFromString("ocserv-worker"); err == nil {
		_ = unix.Prctl(unix.PR_SET_NAME, uintptr(unsafe.Pointer(name)), 0, 0, 0)
		runtime.KeepAlive(name)
	}
	if nodump.Err != nil {
		fmt.Fprintf(os.Stderr, "ocserv-worker: %v\n", nodump.Err)
		return 1
	}
	st, err := ipc.WorkerStartup()
	if err != nil {
		fmt.Fprintf(os.Stderr, "ocserv-worker: %v\n", err)
		fmt.Fprintln(os.Stderr, "ocserv-worker: this program is started by ocserv for each client and cannot be run directly")
		return 1
	}
	lvl := int(st.GetDebugLevel())
	log := logx.New("worker", lvl, lvl != 0)
	defer log.Close()

	if os.Geteuid() == 0 || os.Getuid() == 0 {
		if err := rootAllowed(st); err != nil {
			log.Errorf("worker: refusing to run as root: %v", err)
			return 1
		}
	}

	cmdFile, err := ipc.InheritedFile("cmd")
	if err != nil {
		log.Errorf("worker: %v", err)
		return 1
	}
	cmd, err := ipc.FileConn(cmdFile)
	if err != nil {
		log.Errorf("worker: cmd socket: %v", err)
		return 1
	}
	defer cmd.Close()
	connFile, err := ipc.InheritedFile("conn")
	if err != nil {
		log.Errorf("worker: %v", err)
		return 1
	}
	conn, err := net.FileConn(connFile) // sets the descriptor non-blocking
	connFile.Close()
	if err != nil {
		log.Errorf("worker: client socket: %v", err)
		return 1
	}

	// isolate-workers: the seccomp filter goes on before any client byte.
	cfg, ok := confine(st, log)
	if !ok {
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	signal.Ignore(syscall.SIGPIPE, syscall.SIGHUP)
	if _, err := worker.Run(ctx, worker.Params{Startup: st, Cmd: cmd, Conn: conn, Log: log, Config: cfg}); err != nil {
		log.Infof("worker: %v", err)
		return 1
	}
	return 0
}

// rootAllowed is checked when the worker runs as root. It fails closed if
// main's privilege drop did not happen: a worker may run as root only when
// run-as-user is unset or names uid 0 (ocserv runs its workers as that
// user; main warns about it at start-up), and a configuration that does
// not load says neither.
func rootAllowed(st *ipcpb.WorkerStartup) error {
	var data []byte
	if se := st.GetSnapshotEntries(); len(se) > 0 {
		data = se[0].GetData()
	}
	// Names only: run-as-user may live in an NSS database that this static
	// worker cannot read (main resolved it through libc).
	cfg, err := config.LoadBytes(data, config.LoadOptions{NoAccounts: true})
	if err != nil {
		return fmt.Errorf("the configuration does not load: %w", err)
	}
	switch cfg.RunAsUser {
	case "", "root", "0":
		return nil
	}
	// Another name for uid 0 is allowed only when this worker can resolve
	// it; anything it cannot resolve fails closed.
	full, err := config.LoadBytes(data, config.LoadOptions{})
	if err != nil {
		return fmt.Errorf("run-as-user %s: %w", cfg.RunAsUser, err)
	}
	if full.RunAsUID != 0 {
		return fmt.Errorf("run-as-user %s is uid %d", full.RunAsUser, full.RunAsUID)
	}
	return nil
}
