package secmod

import (
	"os"
	"os/exec"
	"testing"

	"github.com/ocserv-go/ocserv/internal/ipc"
)

// TestCredOKOnlyMainsChildren: with mainPID set, a peer running as the
// worker's user is accepted only when it is main's child (every worker
// is); another process of that user, such as a local attacker running as
// nobody, is refused. Root peers are not checked.
func TestCredOKOnlyMainsChildren(t *testing.T) {
	child := exec.Command("sleep", "30")
	if err := child.Start(); err != nil {
		t.Fatalf("sleep: %v", err)
	}
	defer func() { child.Process.Kill(); child.Wait() }()
	pid := int32(child.Process.Pid)

	tests := []struct {
		name    string
		mainPID int
		cred    ipc.Cred
		ok      bool
	}{
		{"main's child as the worker user", os.Getpid(), ipc.Cred{PID: pid, UID: 65534, GID: 65533}, true},
		{"another process as the worker user", os.Getppid(), ipc.Cred{PID: pid, UID: 65534, GID: 65533}, false},
		{"a process that is gone", os.Getpid(), ipc.Cred{PID: 0, UID: 65534, GID: 65533}, false},
		{"root is not checked", os.Getppid(), ipc.Cred{PID: pid, UID: 0, GID: 0}, true},
		{"no main pid (tests)", 0, ipc.Cred{PID: pid, UID: 65534, GID: 65533}, true},
		{"wrong user", os.Getpid(), ipc.Cred{PID: pid, UID: 1000, GID: 65533}, false},
	}
	for _, tt := range tests {
		s := &Server{uid: 65534, gid: 65533, opt: options{mainPID: tt.mainPID}}
		if got := s.credOK(tt.cred); got != tt.ok {
			t.Errorf("%s: credOK = %v, want %v", tt.name, got, tt.ok)
		}
	}
}

func TestParseStatParent(t *testing.T) {
	tests := []struct {
		stat string
		want int32
		ok   bool
	}{
		{"1234 (ocserv-worker) S 77 1234 1234 0 -1", 77, true},
		{"1234 (a) b) S) R 12 1 1", 12, true},
		{"1234 (x", 0, false},
		{"1234 (x) S", 0, false},
		{"1234 (x) S notanumber", 0, false},
	}
	for _, tt := range tests {
		got, err := parseStatParent([]byte(tt.stat))
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("%q: %d, %v; want %d ok=%v", tt.stat, got, err, tt.want, tt.ok)
		}
	}
}
