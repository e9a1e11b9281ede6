//go:build linux

package nodump

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// childEnv makes the test binary report what this package's init did to
// it (argv as given by TestInit) instead of running the tests.
const childEnv = "OCSERV_NODUMP_TEST_CHILD"

// prGetDumpable is PR_GET_DUMPABLE (linux/prctl.h).
const prGetDumpable = 3

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		d, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prGetDumpable, 0, 0)
		if errno != 0 {
			fmt.Println("dumpable:", errno)
			os.Exit(1)
		}
		fmt.Printf("dumpable=%d oom-open=%v err=%v\n", d, OOMScoreAdj != nil, Err)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestInit: the package's init makes the process non-dumpable before main
// runs, except when argv holds -x/--traceable, and holds
// /proc/self/oom_score_adj open either way.
func TestInit(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{nil, "dumpable=0 oom-open=true err=<nil>"},
		{[]string{"-f", "-c", "/etc/ocserv/ocserv.conf"}, "dumpable=0 oom-open=true err=<nil>"},
		{[]string{"-x"}, "dumpable=1 oom-open=true err=<nil>"},
		{[]string{"--traceable", "-f"}, "dumpable=1 oom-open=true err=<nil>"},
	}
	for _, tt := range tests {
		cmd := exec.Command(os.Args[0], tt.args...)
		cmd.Env = append(os.Environ(), childEnv+"=1")
		out, err := cmd.CombinedOutput()
		if got := strings.TrimSpace(string(out)); err != nil || got != tt.want {
			t.Errorf("argv %q: %q (%v), want %q", tt.args, got, err, tt.want)
		}
	}
}

func TestTraceable(t *testing.T) {
	for _, c := range []struct {
		args []string
		want bool
	}{
		{nil, false},
		{[]string{"-f", "-c", "/x.conf"}, false},
		{[]string{"-x"}, true},
		{[]string{"-fx", "-c", "a"}, true},
		{[]string{"--traceable"}, true},
		{[]string{"-cx"}, false}, // -c takes "x" as its value
		{[]string{"--", "-x"}, false},
		{[]string{"-d", "3", "--traceable=false"}, false},
	} {
		if got := Traceable(c.args); got != c.want {
			t.Errorf("Traceable(%q) = %v, want %v", c.args, got, c.want)
		}
	}
}
