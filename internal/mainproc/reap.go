package mainproc

import (
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// reapSweepEvery is how often the reaper polls its workers without a
// SIGCHLD, so that a signal lost while the channel was full cannot leave a
// zombie for long.
const reapSweepEvery = 5 * time.Second

// reaper reaps main's workers from one goroutine (ocserv's SIGCHLD
// handler). os/exec's Cmd.Wait blocks an OS thread per child for as long
// as the child lives, and Go keeps idle threads: with one Wait per worker
// main grew a thread per connection and never gave them back. The reaper
// instead waits for SIGCHLD and polls each worker it was told about with
// wait4(pid, WNOHANG). It never waits for pid -1: sec-mod and the hook
// scripts are reaped by their own os/exec Wait, whose status must not be
// stolen.
type reaper struct {
	mu   sync.Mutex
	pids map[int]*reapEntry
}

type reapEntry struct {
	exited chan struct{}

	mu       sync.Mutex // Release writes proc.Pid, which Signal reads
	proc     *os.Process
	released bool
}

// signal sends sig to the child unless it has been reaped: a released
// Process is never signalled (its pid may belong to another process).
func (e *reapEntry) signal(sig syscall.Signal) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.released {
		return os.ErrProcessDone
	}
	return e.proc.Signal(sig)
}

// newReaper starts the reaper; it lives as long as main.
func newReaper() *reaper {
	r := &reaper{pids: make(map[int]*reapEntry)}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGCHLD)
	go r.loop(sigs)
	return r
}

func (r *reaper) loop(sigs <-chan os.Signal) {
	t := time.NewTicker(reapSweepEvery)
	defer t.Stop()
	for {
		select {
		case <-sigs:
		case <-t.C:
		}
		r.sweep()
	}
}

// watch registers a started child; the returned channel is closed once it
// has been reaped. p is released then (its pidfd closed; signals sent to it
// afterwards fail instead of reaching a process that reused the pid). A
// child that exited before watch was called is reaped at once.
func (r *reaper) watch(p *os.Process) <-chan struct{} { return r.track(p).exited }

// track is watch that also returns the entry, whose signal method is the
// only safe way to signal p once the reaper may release it.
func (r *reaper) track(p *os.Process) *reapEntry {
	pid := p.Pid
	e := &reapEntry{proc: p, exited: make(chan struct{})}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.pids[pid] = e
	r.reapLocked(pid, e)
	return e
}

// pending is the number of children not reaped yet.
func (r *reaper) pending() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.pids)
}

func (r *reaper) sweep() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for pid, e := range r.pids {
		r.reapLocked(pid, e)
	}
}

// reapLocked collects pid if it has exited. All wait4 calls happen under
// r.mu, so a pid is never waited for after it was reaped (and possibly
// reused by a new child).
func (r *reaper) reapLocked(pid int, e *reapEntry) {
	var ws unix.WaitStatus
	for {
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if got != pid && err != unix.ECHILD {
			return // still running
		}
		// Exited (or, with ECHILD, no longer our child at all).
		delete(r.pids, pid)
		e.mu.Lock()
		e.released = true
		e.proc.Release()
		e.mu.Unlock()
		close(e.exited)
		return
	}
}
