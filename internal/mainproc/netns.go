package mainproc

// listen-netns (runs in main only): the listening sockets, and the
// per-client UDP sockets that share their address, are created inside the
// network namespace /var/run/netns/NAME, as ocserv's socket_netns does;
// tun devices, sec-mod, the workers and everything else stay in main's own
// namespace. A socket keeps the namespace it was created in, so only the
// socket() call has to happen there: inNetns runs fn on an OS thread
// switched into the namespace and switches it back afterwards.

import (
	"fmt"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"
)

// listenNetns is the listen-netns name, set once at start-up (before any
// goroutine that reads it starts); "" means main's own namespace.
var listenNetns string

// inNetns runs fn with the calling goroutine's OS thread inside the
// network namespace name ("" runs fn as is). If the thread cannot be
// switched back it is not returned to the Go scheduler (the goroutine
// exits with the thread still locked, which ends the thread).
func inNetns(name string, fn func() error) error {
	if name == "" {
		return fn()
	}
	path := filepath.Join("/var/run/netns", name)
	target, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer unix.Close(target)
	errc := make(chan error, 1)
	// A fresh goroutine: if restoring fails its locked thread dies with it.
	go func() {
		runtime.LockOSThread()
		self, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("cannot open our network namespace: %w", err)
			return
		}
		defer unix.Close(self)
		if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("cannot enter network namespace %s: %w", name, err)
			return
		}
		ferr := fn()
		if err := unix.Setns(self, unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("cannot leave network namespace %s: %w", name, err)
			return // thread stays locked: it is discarded
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}
