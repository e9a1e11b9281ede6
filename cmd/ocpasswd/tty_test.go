package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/ocserv-go/ocserv/internal/passwd"
)

// ttySession runs bin with stdin/stdout on a new pseudo-terminal that is
// also its controlling terminal (so /dev/tty is the pty) and stderr on a
// pipe, answering each prompt in turn.
type ttySession struct {
	transcript string // everything written to the terminal
	stderr     string
	code       int
}

func runTTY(t *testing.T, bin, dir string, args []string, answers []string) ttySession {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal available: %v", err)
	}
	defer ptmx.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin)
	cmd.Args = append([]string{"ocpasswd"}, args...)
	cmd.Dir = dir
	cmd.Stdin, cmd.Stdout = tty, tty
	var se bytes.Buffer
	cmd.Stderr = &se
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		tty.Close()
		t.Fatal(err)
	}
	tty.Close()

	var mu sync.Mutex
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 256)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	waitFor := func(s string, count int) bool {
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			ok := strings.Count(out.String(), s) >= count
			mu.Unlock()
			if ok {
				return true
			}
			time.Sleep(10 * time.Millisecond)
		}
		return false
	}
	prompts := []string{"Enter password: ", "Re-enter password: "}
	for i, a := range answers {
		if !waitFor(prompts[i], 1) {
			t.Errorf("prompt %q not seen; transcript %q", prompts[i], out.String())
			break
		}
		// The prompt is written before the terminal is read; give the
		// program a moment to reach read() so nothing is flushed.
		time.Sleep(50 * time.Millisecond)
		ptmx.Write([]byte(a))
	}
	werr := cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(werr, &ee) {
		code = ee.ExitCode()
	} else if werr != nil {
		t.Fatal(werr)
	}
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		ptmx.Close()
		<-done
	}
	mu.Lock()
	defer mu.Unlock()
	return ttySession{transcript: out.String(), stderr: se.String(), code: code}
}

// TestTTYPrompts compares prompting on a terminal with the real ocpasswd:
// prompts on /dev/tty, no echo, mismatch and empty-password handling.
func TestTTYPrompts(t *testing.T) {
	needReal(t)
	ours := buildOurs(t)
	cases := []struct {
		name    string
		answers []string
		verify  *string
	}{
		{"match", []string{"s3cret\n", "s3cret\n"}, ptr("s3cret")},
		{"mismatch", []string{"s3cret\n", "other\n"}, nil},
		{"empty accepted", []string{"\n", "\n"}, ptr("")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dirReal, dirOurs := t.TempDir(), t.TempDir()
			args := []string{"-c", "f", "-g", "grp", "user"}
			want := runTTY(t, realOcpasswd, dirReal, args, tc.answers)
			got := runTTY(t, ours, dirOurs, args, tc.answers)
			if got.code != want.code || got.stderr != want.stderr || got.transcript != want.transcript {
				t.Errorf("ours: code %d stderr %q tty %q\nreal: code %d stderr %q tty %q",
					got.code, got.stderr, got.transcript, want.code, want.stderr, want.transcript)
			}
			if strings.Contains(got.transcript, "s3cret") {
				t.Errorf("password echoed: %q", got.transcript)
			}
			if got, want := listDir(t, dirOurs), listDir(t, dirReal); got != want {
				t.Errorf("files\n--- ours\n%s--- real\n%s", got, want)
			}
			if tc.verify != nil {
				for _, dir := range []string{dirReal, dirOurs} {
					e, found, err := passwd.Lookup(filepath.Join(dir, "f"), "user")
					if err != nil || !found || !passwd.Verify(e.Hash, *tc.verify) {
						t.Errorf("%s: %+v %v %v", dir, e, found, err)
					}
				}
			} else if _, err := os.Stat(filepath.Join(dirOurs, "f")); err == nil {
				t.Errorf("file written after a mismatch")
			}
		})
	}
}

func ptr(s string) *string { return &s }
