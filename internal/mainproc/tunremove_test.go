package mainproc

import (
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/ocserv-go/ocserv/internal/tundev"
)

// TestRealTunDelete (root: a network namespace and a tun device): Delete
// removes the session's device even while a descriptor of it is still
// open (a worker's stray copy), leaves alone a device whose name does not
// match the recorded index, and is a no-op for a device already gone.
func TestRealTunDelete(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") != "" {
			t.Fatal("needs root (network namespace, tun device); CI is set, so not skipping")
		}
		t.Skip("needs root (network namespace, tun device)")
	}
	ns := fmt.Sprintf("mptd-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	err := inNetns(ns, func() error {
		tun := realTun{}
		f, name, err := tun.Create("mptd", tundev.Owner{UID: -1, GID: -1})
		if err != nil {
			return err
		}
		defer f.Close() // held open across the deletion, as a stray copy would be
		idx, err := tun.Index(name)
		if err != nil {
			return err
		}
		exists := func() bool { _, err := tun.Index(name); return err == nil }
		tests := []struct {
			name, dev string
			index     int
			wantGone  bool
		}{
			{"another name at that index", "other0", idx, false},
			{"another index", name, idx + 1000, false},
			{"the session's device", name, idx, true},
			{"already gone", name, idx, true},
		}
		for _, tt := range tests {
			if err := tun.Delete(tt.dev, tt.index); err != nil {
				return fmt.Errorf("%s: %w", tt.name, err)
			}
			if gone := !exists(); gone != tt.wantGone {
				return fmt.Errorf("%s: device gone = %v, want %v", tt.name, gone, tt.wantGone)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
