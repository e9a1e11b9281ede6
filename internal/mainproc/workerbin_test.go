package mainproc

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWorkerBinaryWarning: a dynamically linked worker (cgo on) is warned
// about at start-up, the static one and a missing file are not.
func TestWorkerBinaryWarning(t *testing.T) {
	dir := t.TempDir()
	build := func(name, cgo string) string {
		out := filepath.Join(dir, name)
		cmd := exec.Command("go", "build", "-o", out, "github.com/ocserv-go/ocserv/cmd/ocserv-worker")
		cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build (CGO_ENABLED=%s): %v\n%s", cgo, err, b)
		}
		return out
	}
	static, dynamic := build("static", "0"), build("dynamic", "1")
	if w := workerBinaryWarning(static); w != "" {
		t.Errorf("static worker warned: %s", w)
	}
	if w := workerBinaryWarning(dynamic); !strings.Contains(w, "dynamically linked") {
		t.Errorf("cgo worker: warning %q", w)
	}
	if w := workerBinaryWarning(filepath.Join(dir, "missing")); w != "" {
		t.Errorf("missing file warned: %s", w)
	}
}
