package ipc

import (
	"net/netip"
	"testing"
)

func TestSockaddrRoundTrip(t *testing.T) {
	for _, s := range []string{"10.1.2.3:443", "[2001:db8::7]:8443", "[::ffff:192.0.2.1]:1"} {
		ap := netip.MustParseAddrPort(s)
		b := Sockaddr(ap)
		want := 28
		if ap.Addr().Unmap().Is4() {
			want = 16
		}
		if len(b) != want {
			t.Errorf("%s: %d bytes, want %d", s, len(b), want)
		}
		got, ok := ParseSockaddr(b)
		if !ok || got != netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()) {
			t.Errorf("%s: %v %v", s, got, ok)
		}
	}
	for _, b := range [][]byte{nil, {2}, {2, 0, 1}, {10, 0, 0, 0, 0}, {1, 0, 0, 0}} {
		if _, ok := ParseSockaddr(b); ok {
			t.Errorf("%v parsed", b)
		}
	}
}
