package worker

import (
	"net"
	"testing"

	"github.com/ocserv-go/ocserv/internal/config"
	"golang.org/x/sys/unix"
)

func TestNetPriorityOpt(t *testing.T) {
	for _, tc := range []struct {
		np         config.NetPriority
		level, opt int
		val        int
		ok         bool
	}{
		{config.NetPriority{}, 0, 0, 0, false},
		{config.NetPriority{Set: true, Value: 0}, unix.SOL_SOCKET, unix.SO_PRIORITY, 0, true},
		{config.NetPriority{Set: true, Value: 6}, unix.SOL_SOCKET, unix.SO_PRIORITY, 6, true},
		{config.NetPriority{Set: true, Value: 9}, 0, 0, 0, false},
		{config.NetPriority{Set: true, TOS: true, Value: 0x10}, unix.IPPROTO_IP, unix.IP_TOS, 0x10, true},
		{config.NetPriority{Set: true, TOS: true, Value: 0xb8}, unix.IPPROTO_IP, unix.IP_TOS, 0xb8, true},
	} {
		l, o, v, ok := netPriorityOpt(tc.np.Packed())
		if l != tc.level || o != tc.opt || v != tc.val || ok != tc.ok {
			t.Errorf("%+v: got %d/%d/%d/%v", tc.np, l, o, v, ok)
		}
	}
}

func getsockopt(t *testing.T, c syscallConn, level, opt int) int {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := rc.Control(func(fd uintptr) { v, gerr = unix.GetsockoptInt(int(fd), level, opt) }); err != nil {
		t.Fatal(err)
	}
	if gerr != nil {
		t.Fatal(gerr)
	}
	return v
}

// TestSetNetPriority applies both forms to real sockets (no traffic) and
// reads them back.
func TestSetNetPriority(t *testing.T) {
	tl, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Skip(err)
	}
	defer tl.Close()
	uc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Skip(err)
	}
	defer uc.Close()

	setNetPriority(tl, config.NetPriority{Set: true, Value: 5}.Packed(), t.Logf)
	if got := getsockopt(t, tl, unix.SOL_SOCKET, unix.SO_PRIORITY); got != 5 {
		t.Errorf("TCP SO_PRIORITY = %d, want 5", got)
	}
	setNetPriority(uc, config.NetPriority{Set: true, TOS: true, Value: 0x28}.Packed(), t.Logf)
	if got := getsockopt(t, uc, unix.IPPROTO_IP, unix.IP_TOS); got != 0x28 {
		t.Errorf("UDP IP_TOS = %#x, want 0x28", got)
	}
	// (Linux derives sk_priority from the TOS itself: 0x28 gives 2.)
	// unset: nothing changes
	setNetPriority(tl, 0, t.Logf)
	if got := getsockopt(t, tl, unix.SOL_SOCKET, unix.SO_PRIORITY); got != 5 {
		t.Errorf("unset changed SO_PRIORITY to %d", got)
	}
}
