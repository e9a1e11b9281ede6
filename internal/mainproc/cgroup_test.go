package mainproc

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ocserv-go/ocserv/internal/logx"
)

func TestCgroupFiles(t *testing.T) {
	for _, tc := range []struct {
		in    string
		files []string
		ok    bool
	}{
		{"cpu:ocserv", []string{"/sys/fs/cgroup/cpu/ocserv/tasks"}, true},
		{"cpu,memory:a/b", []string{"/sys/fs/cgroup/cpu/a/b/tasks", "/sys/fs/cgroup/memory/a/b/tasks"}, true},
		{",cpu,,:x", []string{"/sys/fs/cgroup/cpu/x/tasks"}, true},
		{"cpu", nil, false},
	} {
		got, ok := cgroupFiles(tc.in)
		if ok != tc.ok || !reflect.DeepEqual(got, tc.files) {
			t.Errorf("%q: got %v %v", tc.in, got, ok)
		}
	}
	long := "cpu:" + strings.Repeat("x", 200)
	got, _ := cgroupFiles(long)
	if len(got) != 1 || got[0] != "/sys/fs/cgroup/cpu/"+strings.Repeat("x", 123)+"/tasks" {
		t.Errorf("long value not cut to 127 bytes: %v", got)
	}
}

// TestPutIntoCgroup writes into a fake cgroup tree: the pid lands in every
// controller's tasks file; the first missing directory stops the loop.
func TestPutIntoCgroup(t *testing.T) {
	old := cgroupRoot
	cgroupRoot = t.TempDir()
	defer func() { cgroupRoot = old }()
	for _, d := range []string{"cpu/g", "memory/g", "blkio/g"} {
		if err := os.MkdirAll(filepath.Join(cgroupRoot, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	s := &server{log: logx.NewWithOptions("main", logx.Options{NoSyslog: true})}
	s.putIntoCgroup("cpu,memory:g", 4242)
	for _, c := range []string{"cpu", "memory"} {
		b, err := os.ReadFile(filepath.Join(cgroupRoot, c, "g", "tasks"))
		if err != nil || string(b) != "4242" {
			t.Errorf("%s: %q %v", c, b, err)
		}
	}
	s.putIntoCgroup("pids,blkio:g", 4243) // pids/g missing → stop
	if _, err := os.Stat(filepath.Join(cgroupRoot, "blkio", "g", "tasks")); err == nil {
		t.Errorf("blkio written after a failed controller")
	}
	s.putIntoCgroup("nocolon", 1) // logged only
}
