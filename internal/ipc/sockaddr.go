package ipc

import (
	"encoding/binary"
	"net/netip"
	"syscall"
)

// Several messages (the worker start-up message, CMD_SESSION_INFO) carry
// addresses as raw Linux sockaddr bytes, as ocserv copies sockaddr_storage:
// sockaddr_in (16 bytes) or sockaddr_in6 (28 bytes), the family in host
// byte order and the port in network byte order.

// Sockaddr encodes ap as a raw sockaddr_in (IPv4, including IPv4-mapped
// IPv6) or sockaddr_in6.
func Sockaddr(ap netip.AddrPort) []byte {
	a := ap.Addr().Unmap()
	if a.Is4() {
		b := make([]byte, 16)
		binary.NativeEndian.PutUint16(b[0:], syscall.AF_INET)
		binary.BigEndian.PutUint16(b[2:], ap.Port())
		v := a.As4()
		copy(b[4:], v[:])
		return b
	}
	b := make([]byte, 28)
	binary.NativeEndian.PutUint16(b[0:], syscall.AF_INET6)
	binary.BigEndian.PutUint16(b[2:], ap.Port())
	v := a.As16()
	copy(b[8:], v[:])
	return b
}

// ParseSockaddr decodes a raw sockaddr_in / sockaddr_in6 (the inverse of
// Sockaddr); IPv4-mapped addresses are unmapped. It reports false for
// anything else or a short buffer.
func ParseSockaddr(b []byte) (netip.AddrPort, bool) {
	if len(b) < 2 {
		return netip.AddrPort{}, false
	}
	switch binary.NativeEndian.Uint16(b[0:2]) {
	case syscall.AF_INET:
		if len(b) < 8 {
			return netip.AddrPort{}, false
		}
		return netip.AddrPortFrom(netip.AddrFrom4([4]byte(b[4:8])), binary.BigEndian.Uint16(b[2:4])), true
	case syscall.AF_INET6:
		if len(b) < 24 {
			return netip.AddrPort{}, false
		}
		a := netip.AddrFrom16([16]byte(b[8:24])).Unmap()
		return netip.AddrPortFrom(a, binary.BigEndian.Uint16(b[2:4])), true
	}
	return netip.AddrPort{}, false
}
