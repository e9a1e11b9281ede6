package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkerDeps fences the worker binary: no key loading, no password
// files, no sec-mod or main code, no PAM, and a pure-Go (CGO_ENABLED=0)
// build. The seccomp filter (internal/sandbox) uses the pure-Go
// elastic/go-seccomp-bpf, never libseccomp.
func TestWorkerDeps(t *testing.T) {
	goBin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	cmd := exec.Command(goBin, "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	forbidden := []string{
		"github.com/ocserv-go/ocserv/internal/keys",
		"github.com/ocserv-go/ocserv/internal/passwd",
		"github.com/ocserv-go/ocserv/internal/secmod",
		"github.com/ocserv-go/ocserv/internal/mainproc",
		"github.com/msteinert/pam",
		"github.com/seccomp/libseccomp-golang",
		"runtime/cgo",
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if dep == f || strings.HasPrefix(dep, f+"/") {
				t.Errorf("ocserv-worker depends on %s", dep)
			}
		}
	}
	if !strings.Contains(string(out), "github.com/ocserv-go/ocserv/internal/sandbox\n") {
		t.Errorf("ocserv-worker does not link internal/sandbox (isolate-workers)")
	}
	build := exec.Command(goBin, "build", "-o", filepath.Join(t.TempDir(), "ocserv-worker"), ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 build: %v\n%s", err, out)
	}
}
