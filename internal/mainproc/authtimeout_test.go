package mainproc

import (
	"slices"
	"syscall"
	"testing"
	"time"
)

// Maintenance terminates workers that stayed unauthenticated longer than
// auth-timeout and leaves younger ones and connected sessions alone.
func TestMaintenanceKillsAuthTimeout(t *testing.T) {
	h := newHarness(t, "auth-timeout = 40\n")
	old := h.worker(t)
	young := h.worker(t)
	logged := h.worker(t)
	if _, ok := logged.login(t, "sid-alice"); !ok {
		t.Fatal("no reply to the cookie request")
	}
	now := time.Now()
	h.s.mu.Lock()
	old.p.connTime = now.Add(-41 * time.Second)
	young.p.connTime = now.Add(-30 * time.Second)
	logged.p.connTime = now.Add(-100 * time.Second)
	connected := logged.p.state == stConnected
	h.s.mu.Unlock()
	if !connected {
		t.Fatal("the logged-in worker is not connected")
	}
	h.s.now = func() time.Time { return now }
	h.s.maintenance()
	if got := old.signals(); !slices.Equal(got, []syscall.Signal{syscall.SIGTERM}) {
		t.Errorf("old unauthenticated worker got %v, want SIGTERM", got)
	}
	if got := young.signals(); len(got) != 0 {
		t.Errorf("young worker got %v, want nothing", got)
	}
	if got := logged.signals(); len(got) != 0 {
		t.Errorf("connected worker got %v, want nothing", got)
	}
}
