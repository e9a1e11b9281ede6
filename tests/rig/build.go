package rig

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// RepoRoot returns the module root (the directory holding go.mod), found
// by walking up from the working directory.
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("getwd: %w", err)
	}
	for i := 0; i < 64; i++ {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", fmt.Errorf("no go.mod above the working directory")
}

// BuildOurs builds one of this repository's commands ("ocpasswd",
// "ocserv", "occtl", "ocserv-worker") with `go build -o DIR/NAME ./cmd/NAME`
// into a fresh world-traversable directory removed at the end of the test,
// and returns the binary's path. Go's build cache makes repeated builds
// cheap. Build failures fail the test with the compiler output.
//
// For "ocserv" it also builds "ocserv-worker" next to it, because the main
// process execs "<its path>-worker". Like the Makefile, ocserv and ocpasswd
// are built with cgo (libc user lookups, crypt, PAM) and ocserv-worker and
// occtl without (static).
//
// With OCSERV_E2E_RACE=1 in the environment every binary is a race-enabled
// test build instead (`-race`, which needs cgo): the rig then fails a test
// whose server log holds a race report (see checkRaces). The shipped
// worker stays static; only these test builds link the race runtime.
func BuildOurs(t testing.TB, name string) string {
	t.Helper()
	root, err := RepoRoot()
	if err != nil {
		t.Fatalf("rig: %v", err)
	}
	dir, err := os.MkdirTemp("", Prefix+procID()+"bin-")
	if err != nil {
		t.Fatalf("rig: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatalf("rig: %v", err)
	}
	names := []string{name}
	if name == "ocserv" {
		names = append(names, "ocserv-worker")
	}
	for _, n := range names {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		args := []string{"build", "-o", filepath.Join(dir, n)}
		cgo := cgoFor(n)
		if RaceEnabled() {
			args = append(args, "-race")
			cgo = "1"
		}
		cmd := exec.CommandContext(ctx, "go", append(args, "./cmd/"+n)...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		msg, err := cmd.CombinedOutput()
		cancel()
		if err != nil {
			t.Fatalf("rig: go build ./cmd/%s: %v\n%s", n, err, strings.TrimSpace(string(msg)))
		}
	}
	return filepath.Join(dir, name)
}

// cgoFor is the Makefile's CGO_ENABLED for a command.
func cgoFor(name string) string {
	switch name {
	case "ocserv", "ocpasswd":
		return "1"
	}
	return "0"
}

// RaceEnv is the environment variable that makes BuildOurs build
// race-enabled binaries ("1").
const RaceEnv = "OCSERV_E2E_RACE"

// RaceEnabled reports whether BuildOurs builds with the race detector.
func RaceEnabled() bool { return os.Getenv(RaceEnv) == "1" }

// raceMarker starts every report of Go's race detector.
const raceMarker = "WARNING: DATA RACE"

// raceReports returns the race reports in a server log (main, sec-mod and
// the workers all write to it), each cut to its first 60 lines.
func raceReports(log string) []string {
	var out []string
	for {
		i := strings.Index(log, raceMarker)
		if i < 0 {
			return out
		}
		log = log[i:]
		end := strings.Index(log[len(raceMarker):], raceMarker)
		rep := log
		if end >= 0 {
			rep = log[:len(raceMarker)+end]
		}
		lines := strings.SplitN(rep, "\n", 61)
		if len(lines) > 60 {
			lines = lines[:60]
		}
		out = append(out, strings.Join(lines, "\n"))
		log = log[len(rep):]
	}
}
