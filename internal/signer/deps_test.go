package signer

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestNoKeyLoading fences the worker side: this package (linked into the
// CGO_ENABLED=0 worker) must not pull in key loading or the sec-mod.
func TestNoKeyLoading(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	cmd := exec.Command(goTool, "list", "-deps", "github.com/ocserv-go/ocserv/internal/signer")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	bad := []string{
		"github.com/ocserv-go/ocserv/internal/keys",
		"github.com/ocserv-go/ocserv/internal/secmod",
		"github.com/ocserv-go/ocserv/internal/auth",
		"github.com/ocserv-go/ocserv/internal/config",
	}
	for _, dep := range strings.Split(string(out), "\n") {
		for _, b := range bad {
			if dep == b || strings.HasPrefix(dep, b+"/") {
				t.Errorf("internal/signer depends on %s", dep)
			}
		}
	}
}
