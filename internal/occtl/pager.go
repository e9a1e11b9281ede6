package occtl

import (
	"fmt"
	"io"
	"os"
	osexec "os/exec"

	"golang.org/x/term"
)

// pagerOut is where a listing command writes: stdout or a pager's stdin.
type pagerOut struct {
	io.Writer
	cmd *osexec.Cmd
	in  io.WriteCloser
}

// Close waits for the pager (like pclose).
func (p *pagerOut) Close() error {
	if p.cmd == nil {
		return nil
	}
	p.in.Close()
	return p.cmd.Wait()
}

// pagerCommand is occtl's choice: OCCTL_PAGER, else PAGER, else less; an
// empty value means no pager.
func pagerCommand() string {
	if v, ok := os.LookupEnv("OCCTL_PAGER"); ok {
		return v
	}
	if v, ok := os.LookupEnv("PAGER"); ok {
		return v
	}
	return "less"
}

// pager starts the pager when stdout is a terminal and -n was not given.
func (x *exec) pager() *pagerOut {
	plain := &pagerOut{Writer: x.stdout}
	if x.noPager || x.stdoutFile == nil || !term.IsTerminal(int(x.stdoutFile.Fd())) {
		return plain
	}
	name := pagerCommand()
	if name == "" {
		return plain
	}
	if _, ok := os.LookupEnv("LESS"); !ok {
		os.Setenv("LESS", "FRSX")
	}
	cmd := osexec.Command("/bin/sh", "-c", name)
	cmd.Stdout = x.stdoutFile
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err == nil {
		err = cmd.Start()
	}
	if err != nil {
		fmt.Fprintf(x.stderr, "unable to start pager; check your $PAGER environment variable\n")
		return plain
	}
	return &pagerOut{Writer: in, cmd: cmd, in: in}
}
