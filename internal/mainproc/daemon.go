package mainproc

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// daemonEnv marks the re-executed daemon and names the descriptor of the
// pipe on which it reports a successful start-up to the waiting parent.
const daemonEnv = "OCSERV_DAEMON_READY_FD"

// daemonize replaces daemon(3): Go cannot fork without exec, so the
// server re-executes itself detached (new session, stdio on /dev/null)
// and the parent exits once the daemon has bound its sockets and started
// sec-mod, or with 1 if the daemon failed first. The daemon writes the pid
// file, so it holds the daemon's pid.
func daemonize(o Options) int {
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		fmt.Fprintf(o.Stderr, "daemon failed: %v\n", err)
		return 1
	}
	defer null.Close()
	r, w, err := os.Pipe()
	if err != nil {
		fmt.Fprintf(o.Stderr, "daemon failed: %v\n", err)
		return 1
	}
	defer r.Close()
	cmd := &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        o.Args,
		Env:         append(os.Environ(), daemonEnv+"=3"),
		Stdin:       null,
		Stdout:      null,
		Stderr:      os.Stderr, // start-up errors still reach the terminal
		ExtraFiles:  []*os.File{w},
		SysProcAttr: &syscall.SysProcAttr{Setsid: true},
	}
	err = cmd.Start()
	w.Close()
	if err != nil {
		fmt.Fprintf(o.Stderr, "daemon failed: %v\n", err)
		return 1
	}
	done := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(r, 16))
		done <- b
	}()
	select {
	case b := <-done:
		if string(b) == "ok" {
			cmd.Process.Release()
			return 0
		}
		// The daemon died or gave up before it was ready.
		go cmd.Wait()
		return 1
	case <-time.After(60 * time.Second):
		cmd.Process.Release()
		return 0
	}
}

// becomeGroupLeader makes main the leader of its own process group, as
// ocserv's setpgid(0, 0) at start-up, before sec-mod or any worker exists:
// they inherit the group, so `kill -- -MAINPID` reaches the whole server.
// The daemon re-executed by daemonize is a session leader already (its
// group is its pid); so is a service started by systemd.
func becomeGroupLeader() error {
	if unix.Getpgrp() == os.Getpid() {
		return nil
	}
	if err := unix.Setpgid(0, 0); err != nil {
		return fmt.Errorf("setpgid: %w", err)
	}
	return nil
}

// daemonReady tells the waiting parent (if any) that start-up succeeded.
func daemonReady() {
	v := os.Getenv(daemonEnv)
	if v == "" {
		return
	}
	os.Unsetenv(daemonEnv)
	fd, err := strconv.Atoi(v)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "daemon-ready")
	f.Write([]byte("ok"))
	f.Close()
	if null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0); err == nil {
		unix.Dup2(int(null.Fd()), 2)
		null.Close()
	}
}

// inDaemon reports whether this process is the re-executed daemon.
func inDaemon() bool { return os.Getenv(daemonEnv) != "" }

// InDaemon reports whether this process is the daemon re-executed by a
// server started without -f. Its parent already printed the configuration
// notes, so cmd/ocserv keeps the second load quiet.
func InDaemon() bool { return inDaemon() }

// closeDaemonPipe marks the ready pipe close-on-exec so children do not
// hold it open (which would keep the parent waiting).
func closeDaemonPipe() {
	if v := os.Getenv(daemonEnv); v != "" {
		if fd, err := strconv.Atoi(v); err == nil {
			syscall.CloseOnExec(fd)
		}
	}
}
