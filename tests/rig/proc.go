package rig

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// proc is one process the rig started: the leader of its own process group,
// with its output in a log file and a goroutine reaping it.
type proc struct {
	cmd     *exec.Cmd
	logPath string
	done    chan struct{}
	err     error // Wait's result, valid after done is closed
}

// startProc starts `ip netns exec NS argv...` (ip execs argv, so the PID is
// the program itself) with stdin, output appended to logPath, and extra
// environment variables.
func (r *Rig) startProc(ns string, argv []string, stdin io.Reader, logPath string, env []string) (*proc, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("log file: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns}, argv...)...)
	cmd.Stdin = stdin
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.Dir = r.Dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %v: %w", argv, err)
	}
	p := &proc{cmd: cmd, logPath: logPath, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	r.mu.Lock()
	r.procs = append(r.procs, p)
	r.mu.Unlock()
	return p, nil
}

// PID of the process.
func (p *proc) pid() int { return p.cmd.Process.Pid }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// exitCode is the exit status (-1 if killed by a signal or still running).
func (p *proc) exitCode() int {
	if !p.exited() || p.cmd.ProcessState == nil {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

// wait waits up to d for the process to exit.
func (p *proc) wait(d time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(d):
		return false
	}
}

// terminate sends sig to the process, waits up to d, then SIGKILLs its
// process group and waits a little more. It reports whether the process
// exited on its own after sig.
func (p *proc) terminate(sig syscall.Signal, d time.Duration) bool {
	if p.exited() {
		return true
	}
	syscall.Kill(p.pid(), sig)
	if p.wait(d) {
		return true
	}
	p.kill()
	return false
}

// kill SIGKILLs the process group (and the process) and waits up to 3 s.
func (p *proc) kill() {
	if p.exited() {
		// Its PID may be reused now; stragglers in the group are removed
		// with the namespace (killNamespace).
		return
	}
	syscall.Kill(-p.pid(), syscall.SIGKILL)
	syscall.Kill(p.pid(), syscall.SIGKILL)
	p.wait(3 * time.Second)
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// Process is a background program started with Rig.Start.
type Process struct {
	p       *proc
	LogPath string
}

// Start runs argv in namespace ns in the background (e.g. iperf3 -s,
// tshark), output to r.Dir/NAME.log. The rig kills it at cleanup if it is
// still running.
func (r *Rig) Start(ns, name string, argv ...string) *Process {
	r.T.Helper()
	p, err := r.startProc(ns, argv, nil, r.Dir+"/"+name+".log", nil)
	if err != nil {
		r.T.Fatalf("rig: %v", err)
	}
	return &Process{p: p, LogPath: p.logPath}
}

// PID of the process.
func (p *Process) PID() int { return p.p.pid() }

// Running reports whether it is still running.
func (p *Process) Running() bool { return !p.p.exited() }

// ExitCode is its exit status once exited (else -1).
func (p *Process) ExitCode() int { return p.p.exitCode() }

// Wait waits up to d for it to exit.
func (p *Process) Wait(d time.Duration) bool { return p.p.wait(d) }

// Stop sends SIGTERM, waits up to d, then SIGKILLs; it reports whether the
// process exited on SIGTERM.
func (p *Process) Stop(d time.Duration) bool { return p.p.terminate(syscall.SIGTERM, d) }

// Log is the process's output so far.
func (p *Process) Log() string { return readFile(p.LogPath) }
