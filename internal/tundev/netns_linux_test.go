package tundev

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// requireRoot skips a test that needs root (CAP_NET_ADMIN, namespaces)
// unless CI is set, where missing root is a failure.
func requireRoot(tb testing.TB) {
	tb.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		tb.Fatal("tundev: this test needs root (network namespaces, tun devices); CI is set, so not skipping")
	}
	tb.Skip("tundev: skipping: needs root for network namespaces and tun devices")
}

var nsCounter atomic.Int32

// testNS is a network namespace made for one test and deleted afterwards.
type testNS struct {
	name   string
	handle netns.NsHandle
	nl     *netlink.Handle // netlink socket inside the namespace
}

// newNS creates a named namespace (ip netns add) and registers its removal
// with tb.Cleanup, so it is deleted also when the test fails.
func newNS(tb testing.TB) *testNS {
	tb.Helper()
	requireRoot(tb)
	name := fmt.Sprintf("tdvt-%d-%d", os.Getpid(), nsCounter.Add(1))
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		tb.Fatalf("ip netns add %s: %v: %s", name, err, out)
	}
	ns := &testNS{name: name, handle: -1}
	tb.Cleanup(func() {
		if ns.nl != nil {
			ns.nl.Close()
		}
		if ns.handle >= 0 {
			ns.handle.Close()
		}
		if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil {
			tb.Errorf("ip netns del %s: %v: %s", name, err, out)
		}
	})
	h, err := netns.GetFromName(name)
	if err != nil {
		tb.Fatalf("open namespace %s: %v", name, err)
	}
	ns.handle = h
	ns.nl, err = netlink.NewHandleAt(h)
	if err != nil {
		tb.Fatalf("netlink handle in %s: %v", name, err)
	}
	return ns
}

// run calls fn on a fresh goroutine locked to an OS thread that has
// entered the namespace. The thread is never unlocked, so the Go runtime
// discards it when the goroutine ends and no other goroutine ever runs in
// the namespace by accident. It gives up after 30 s.
func (ns *testNS) run(fn func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// No UnlockOSThread: the thread dies with this goroutine.
		if err := netns.Set(ns.handle); err != nil {
			done <- fmt.Errorf("enter namespace %s: %w", ns.name, err)
			return
		}
		done <- fn()
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("namespace %s: operation timed out", ns.name)
	}
}

// create runs Create inside the namespace and closes the file in cleanup
// (closing twice is harmless).
func (ns *testNS) create(tb testing.TB, prefix string, owner Owner) (*os.File, string) {
	tb.Helper()
	var f *os.File
	var name string
	err := ns.run(func() (err error) {
		f, name, err = Create(prefix, owner)
		return err
	})
	if err != nil {
		tb.Fatalf("Create(%q): %v", prefix, err)
	}
	tb.Cleanup(func() { f.Close() })
	return f, name
}

// waitGone waits (bounded) until the link name no longer exists.
func (ns *testNS) waitGone(name string) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := ns.nl.LinkByName(name)
		if err != nil {
			if _, ok := err.(netlink.LinkNotFoundError); ok {
				return nil
			}
			return fmt.Errorf("LinkByName(%s): %w", name, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s still exists after its last descriptor was closed", name)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
