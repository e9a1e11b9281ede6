package worker

import (
	"golang.org/x/sys/unix"
)

// Net priority (config.md `net-priority`). The value arrives from main in
// GroupConfig.net_priority packed the way ocserv stores it (config
// NetPriority.Packed): 0 = unset; a value whose low nibble is zero is an
// IP TOS byte shifted left by 4 (the `0xNN` form); otherwise it is the
// decimal form plus one, applied as SO_PRIORITY when it is at most 7
// (so decimal 0-6; larger decimal values are ignored, like ocserv).
//
// ocserv 1.1.6 sets it in the worker on the client's TCP socket while
// writing the CONNECT reply, and on the UDP socket when a DTLS session is
// set up. Failures are only logged at debug level. The sandbox already
// allows setsockopt.

// netPriorityOpt decodes a packed value into the setsockopt to make.
// ok is false when nothing is to be set.
func netPriorityOpt(packed int) (level, opt, val int, ok bool) {
	switch {
	case packed == 0:
		return 0, 0, 0, false
	case packed&0x0f == 0:
		return unix.IPPROTO_IP, unix.IP_TOS, packed >> 4, true
	case packed <= 7:
		return unix.SOL_SOCKET, unix.SO_PRIORITY, packed - 1, true
	}
	return 0, 0, 0, false
}

// setNetPriority applies a packed net-priority to c's socket (anything
// with SyscallConn: *net.TCPConn, *net.UDPConn).
func setNetPriority(c any, packed int, logf func(string, ...any)) {
	level, opt, val, ok := netPriorityOpt(packed)
	if !ok {
		return
	}
	sc, isSC := c.(syscallConn)
	if !isSC {
		return
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), level, opt, val)
	}); err != nil {
		serr = err
	}
	if serr != nil && logf != nil {
		if opt == unix.IP_TOS {
			logf("setsockopt(IP_TOS) to %x, failed.", val)
		} else {
			logf("setsockopt(SO_PRIORITY) to %d, failed.", val)
		}
	}
}
