//go:build linux

package nodump

import (
	"os"
	"syscall"
)

// prSetDumpable is PR_SET_DUMPABLE (linux/prctl.h); syscall has no name
// for it and golang.org/x/sys/unix would add its own initialisation
// before this package's.
const prSetDumpable = 4

// early opens /proc/self/oom_score_adj, then sets PR_SET_DUMPABLE 0
// unless traceable. execve leaves a process dumpable when its credentials
// did not change at the exec, so main cannot do this for the worker.
func early(traceable bool) (*os.File, error) {
	oom, err := os.OpenFile("/proc/self/oom_score_adj", os.O_WRONLY, 0)
	if err != nil {
		oom = nil
	}
	if traceable {
		return oom, nil
	}
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetDumpable, 0, 0); errno != 0 {
		return oom, dumpableError{errno}
	}
	return oom, nil
}

// dumpableError is a failed PR_SET_DUMPABLE (no fmt here: see the package
// doc).
type dumpableError struct{ errno syscall.Errno }

func (e dumpableError) Error() string { return "PR_SET_DUMPABLE: " + e.errno.Error() }
func (e dumpableError) Unwrap() error { return e.errno }
