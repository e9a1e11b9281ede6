package main

import (
	"debug/buildinfo"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The security fences of the unprivileged side, in one table: what the
// worker binary (and the signer package it uses to reach sec-mod) must
// never link. It runs in `make test` and has no -short or missing-tool
// escape: without a go tool it fails.

const mod = "github.com/ocserv-go/ocserv/"

// workerForbidden is what no ocserv-worker build may link: key loading,
// password files, sec-mod, main, authentication back-ends, PAM and
// libseccomp (the seccomp filter is the pure-Go elastic/go-seccomp-bpf).
var workerForbidden = []string{
	mod + "internal/keys",
	mod + "internal/passwd",
	mod + "internal/secmod",
	mod + "internal/mainproc",
	mod + "internal/auth",
	"github.com/msteinert/pam",
	"github.com/seccomp/libseccomp-golang",
}

// depsGoTool returns the go tool that runs this test; a missing tool is
// a failure, never a skip.
func depsGoTool(t *testing.T) string {
	t.Helper()
	if p := filepath.Join(runtime.GOROOT(), "bin", "go"); runtime.GOROOT() != "" {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	p, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the dependency fence needs the go tool: %v", err)
	}
	return p
}

// depsRun runs the go tool in the module root with CGO_ENABLED=cgo.
func depsRun(t *testing.T, cgo string, args ...string) string {
	t.Helper()
	cmd := exec.Command(depsGoTool(t), args...)
	cmd.Dir = "../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo, "GOFLAGS=-buildvcs=false")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("CGO_ENABLED=%s go %s: %v\n%s", cgo, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// depsStatic reports whether the ELF file at path needs no program
// interpreter and no shared library.
func depsStatic(t *testing.T, path string) bool {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			return false
		}
	}
	libs, err := f.ImportedLibraries()
	return err == nil && len(libs) == 0
}

// TestDependencyFence: table of (package, cgo, tags) → forbidden
// dependencies, required ones, and whether the built binary must be
// static and free of runtime/cgo.
func TestDependencyFence(t *testing.T) {
	tests := []struct {
		name      string
		pkg       string
		cgo, tags string
		forbidden []string
		required  []string
		// build the binary and require it static, without runtime/cgo
		static bool
	}{
		{
			name: "worker, CGO_ENABLED=0 (Makefile)", pkg: "./cmd/ocserv-worker", cgo: "0",
			forbidden: append([]string{"runtime/cgo"}, workerForbidden...),
			required:  []string{mod + "internal/sandbox", mod + "cmd/ocserv-worker/internal/nodump"},
			static:    true,
		},
		{
			name: "worker, CGO_ENABLED=1 -tags netgo,osusergo", pkg: "./cmd/ocserv-worker", cgo: "1", tags: "netgo,osusergo",
			forbidden: append([]string{"runtime/cgo"}, workerForbidden...),
			required:  []string{mod + "internal/sandbox", mod + "cmd/ocserv-worker/internal/nodump"},
			static:    true,
		},
		{
			// Plain `go build` with cgo on links net's (and os/user's)
			// cgo code: dynamic, glibc; see docs/process-contract.md.
			name: "worker, CGO_ENABLED=1 (plain go build)", pkg: "./cmd/ocserv-worker", cgo: "1",
			forbidden: workerForbidden,
			required:  []string{mod + "internal/sandbox", mod + "cmd/ocserv-worker/internal/nodump"},
		},
		{
			name: "signer (worker side of sec-mod)", pkg: "./internal/signer", cgo: "0",
			forbidden: []string{mod + "internal/keys", mod + "internal/secmod", mod + "internal/auth", mod + "internal/config"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"list", "-deps"}
			if tt.tags != "" {
				args = append(args, "-tags", tt.tags)
			}
			deps := strings.Fields(depsRun(t, tt.cgo, append(args, tt.pkg)...))
			have := map[string]bool{}
			for _, d := range deps {
				have[d] = true
				for _, f := range tt.forbidden {
					if d == f || strings.HasPrefix(d, f+"/") {
						t.Errorf("%s depends on %s", tt.pkg, d)
					}
				}
			}
			for _, r := range tt.required {
				if !have[r] {
					t.Errorf("%s does not link %s", tt.pkg, r)
				}
			}
			if tt.static {
				depsCheckBinary(t, tt.pkg, tt.cgo, tt.tags)
			}
		})
	}
}

// depsCheckBinary builds pkg and checks that the binary is static, says
// it was built with CGO_ENABLED=cgo and has no runtime/cgo symbol.
func depsCheckBinary(t *testing.T, pkg, cgo, tags string) {
	t.Helper()
	out, err := filepath.Abs(filepath.Join(t.TempDir(), "ocserv-worker"))
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"build", "-o", out}
	if tags != "" {
		args = append(args, "-tags", tags)
	}
	depsRun(t, cgo, append(args, pkg)...)
	if !depsStatic(t, out) {
		t.Errorf("CGO_ENABLED=%s -tags %q: %s is dynamically linked", cgo, tags, pkg)
	}
	bi, err := buildinfo.ReadFile(out)
	if err != nil {
		t.Fatalf("build info: %v", err)
	}
	for _, s := range bi.Settings {
		if s.Key == "CGO_ENABLED" && s.Value != cgo {
			t.Errorf("build info CGO_ENABLED=%s, want %s", s.Value, cgo)
		}
	}
	if depsLinksCgo(t, out) {
		t.Errorf("CGO_ENABLED=%s -tags %q: %s links runtime/cgo", cgo, tags, pkg)
	}
}

// depsLinksCgo reports whether the binary at path has symbols of
// runtime/cgo (build information lists modules, not packages; the
// runtime's own _cgo_* hooks exist in every binary).
func depsLinksCgo(t *testing.T, path string) bool {
	t.Helper()
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatalf("%s: symbols: %v", path, err)
	}
	for _, s := range syms {
		if strings.HasPrefix(s.Name, "runtime/cgo.") || s.Name == "x_cgo_init" {
			return true
		}
	}
	return false
}

// TestNodumpInitFirst: in the built worker, package nodump's init (the
// worker becomes non-dumpable) runs before any package that handles
// secrets or the network is initialised. An extra import in nodump
// (strings, fmt, x/sys/unix) would move it after all of them.
func TestNodumpInitFirst(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ocserv-worker")
	depsRun(t, "0", "build", "-o", out, "./cmd/ocserv-worker")
	cmd := exec.Command(out)
	cmd.Env = []string{"GODEBUG=inittrace=1"}
	trace, _ := cmd.CombinedOutput() // exits 1: no start-up message
	later := []string{mod, "google.golang.org/", "golang.org/x/", "crypto/tls", "crypto/x509", "net", "encoding/json", "github.com/pion/dtls"}
	var before []string
	for _, l := range strings.Split(string(trace), "\n") {
		f := strings.Fields(l)
		if len(f) < 2 || f[0] != "init" {
			continue
		}
		if f[1] == mod+"cmd/ocserv-worker/internal/nodump" {
			for _, p := range before {
				for _, l := range later {
					if strings.HasPrefix(p, l) {
						t.Errorf("%s is initialised before nodump", p)
					}
				}
			}
			return
		}
		before = append(before, f[1])
	}
	t.Fatalf("no init of nodump in the worker's init trace:\n%s", trace)
}
