package scriptenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// Result is how a script ended.
type Result struct {
	ExitCode int            // exit status; -1 if killed by a signal
	Signal   syscall.Signal // the signal that ended it, if any
	TimedOut bool           // killed because the timeout passed
}

// OK reports whether the script succeeded (exited 0): only then does a
// connect script let the session proceed.
func (r Result) OK() bool { return r.ExitCode == 0 && r.Signal == 0 && !r.TimedOut }

// Run executes path with no arguments and no shell, with env as its whole
// environment (build it with Merge(os.Environ(), Env(...))), its stdout
// and stderr both going to stderr (nil discards), and stdin empty. It
// waits at most timeout (0 = no limit besides ctx), then kills the script.
// The error is non-nil only when the script could not be started; ocserv
// counts that as exit status 1, which the Result also reports.
func Run(ctx context.Context, path string, env []string, stderr io.Writer, timeout time.Duration) (Result, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, path)
	cmd.Args = []string{path}
	cmd.Env = env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	// A script that leaves children holding its output must not block us.
	cmd.WaitDelay = time.Second
	if err := cmd.Start(); err != nil {
		return Result{ExitCode: 1}, fmt.Errorf("scriptenv: could not execute script %s: %w", path, err)
	}
	err := cmd.Wait()
	res := Result{}
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		res.TimedOut = true
	}
	if st, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok {
		switch {
		case st.Signaled():
			res.ExitCode, res.Signal = -1, st.Signal()
		default:
			res.ExitCode = st.ExitStatus()
		}
	} else if err != nil {
		res.ExitCode = 1
	}
	return res, nil
}
