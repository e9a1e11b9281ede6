package rig

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// OcpasswdResult is the outcome of one ocpasswd run.
type OcpasswdResult struct {
	ExitCode int
	Stdout   string
	Stderr   string
}

// RunOcpasswd runs prog (default r.Ocpasswd) with args and stdin, bounded
// to 15 s, outside any namespace. An error means it could not be run or
// timed out; a non-zero exit is reported in the result.
func (r *Rig) RunOcpasswd(prog, stdin string, args ...string) (*OcpasswdResult, error) {
	if prog == "" {
		prog = r.Ocpasswd
	}
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	cmd.Dir = r.Dir
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.WaitDelay = 2 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("%s %s: timed out", prog, strings.Join(args, " "))
	}
	res := &OcpasswdResult{Stdout: out.String(), Stderr: errb.String()}
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			return nil, fmt.Errorf("run %s: %w", prog, err)
		}
		res.ExitCode = ee.ExitCode()
	}
	return res, nil
}

// AddUser sets user's password (and groups, if given, joined with ",") in
// r.PasswdFile with r.Ocpasswd, the password on stdin. It fails the test
// if ocpasswd fails.
func (r *Rig) AddUser(user, password string, groups ...string) {
	r.T.Helper()
	r.AddUserTo(r.PasswdFile, r.Ocpasswd, user, password, groups...)
}

// AddUserTo is AddUser with an explicit file and ocpasswd program.
func (r *Rig) AddUserTo(file, prog, user, password string, groups ...string) {
	r.T.Helper()
	args := []string{"-c", file}
	if len(groups) > 0 {
		args = append(args, "-g", strings.Join(groups, ","))
	}
	args = append(args, user)
	r.mustOcpasswd(prog, password+"\n", args...)
}

// LockUser runs `ocpasswd -c FILE -l user` (r.PasswdFile, r.Ocpasswd).
func (r *Rig) LockUser(user string) {
	r.T.Helper()
	r.mustOcpasswd("", "", "-c", r.PasswdFile, "-l", user)
}

// UnlockUser runs `ocpasswd -c FILE -u user`.
func (r *Rig) UnlockUser(user string) {
	r.T.Helper()
	r.mustOcpasswd("", "", "-c", r.PasswdFile, "-u", user)
}

// DeleteUser runs `ocpasswd -c FILE -d user`.
func (r *Rig) DeleteUser(user string) {
	r.T.Helper()
	r.mustOcpasswd("", "", "-c", r.PasswdFile, "-d", user)
}

func (r *Rig) mustOcpasswd(prog, stdin string, args ...string) {
	r.T.Helper()
	res, err := r.RunOcpasswd(prog, stdin, args...)
	if err != nil {
		r.T.Fatalf("rig: ocpasswd: %v", err)
	}
	if res.ExitCode != 0 {
		if prog == "" {
			prog = r.Ocpasswd
		}
		r.T.Fatalf("rig: %s %s: exit %d: %s%s", prog, strings.Join(args, " "), res.ExitCode, res.Stdout, res.Stderr)
	}
}
