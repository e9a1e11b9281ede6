package tundev

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

func TestValidatePrefix(t *testing.T) {
	tests := []struct {
		prefix string
		ok     bool
	}{
		{"vpns", true},
		{"ocdemo", true},
		{"abcdefghijklmn", true}, // 14 bytes + 1 digit = 15
		{"abcdefghijklmno", false},
		{"", false},
		{"vpn%d", false},
		{"a/b", false},
		{"a b", false},
	}
	for _, tc := range tests {
		err := ValidatePrefix(tc.prefix)
		if (err == nil) != tc.ok {
			t.Errorf("ValidatePrefix(%q) = %v, want ok=%v", tc.prefix, err, tc.ok)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	v4l, v4p := netip.MustParseAddr("192.168.99.1"), netip.MustParseAddr("192.168.99.50")
	v6l, v6p := netip.MustParseAddr("fda9:4efe:7e3b::1"), netip.MustParsePrefix("fda9:4efe:7e3b:8e4f:9a7c:c09f:b76e:58ef/128")
	tests := []struct {
		name string
		c    Config
		ok   bool
	}{
		{"ipv4", Config{LocalIPv4: v4l, PeerIPv4: v4p}, true},
		{"ipv6", Config{LocalIPv6: v6l, PeerIPv6: v6p}, true},
		{"both+mtu", Config{LocalIPv4: v4l, PeerIPv4: v4p, LocalIPv6: v6l, PeerIPv6: v6p, MTU: 1434}, true},
		{"nothing", Config{}, false},
		{"v4 peer missing", Config{LocalIPv4: v4l}, false},
		{"v6 peer missing", Config{LocalIPv4: v4l, PeerIPv4: v4p, LocalIPv6: v6l}, false},
		{"v4 family", Config{LocalIPv4: v6l, PeerIPv4: v4p}, false},
		{"v6 family", Config{LocalIPv6: v4l, PeerIPv6: v6p}, false},
		{"v4-mapped v6", Config{LocalIPv6: netip.MustParseAddr("::ffff:1.2.3.4"), PeerIPv6: v6p}, false},
		{"mtu low", Config{LocalIPv4: v4l, PeerIPv4: v4p, MTU: 67}, false},
		{"mtu high", Config{LocalIPv4: v4l, PeerIPv4: v4p, MTU: 65536}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.c.validate(); (err == nil) != tc.ok {
				t.Errorf("validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestChecksumVector(t *testing.T) {
	// RFC 1071 §3 example bytes: sum 0xddf2, checksum 0x220d; split
	// across parts at an odd offset must give the same result.
	b := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}
	if got := checksum(b); got != 0x220d {
		t.Fatalf("checksum = %#04x, want 0x220d", got)
	}
	if got := checksum(b[:3], b[3:]); got != 0x220d {
		t.Fatalf("split checksum = %#04x, want 0x220d", got)
	}
}

// session is one configured device as ocserv 1.1.6 set it up (addresses
// observed with the real server).
var (
	sessA = Config{
		LocalIPv4: netip.MustParseAddr("192.168.99.1"),
		PeerIPv4:  netip.MustParseAddr("192.168.99.50"),
		LocalIPv6: netip.MustParseAddr("fda9:4efe:7e3b::1"),
		PeerIPv6:  netip.MustParsePrefix("fda9:4efe:7e3b:8e4f:9a7c:c09f:b76e:58ef/128"),
	}
	sessB = Config{
		LocalIPv4: netip.MustParseAddr("192.168.99.1"),
		PeerIPv4:  netip.MustParseAddr("192.168.99.106"),
		LocalIPv6: netip.MustParseAddr("fda9:4efe:7e3b::1"),
		PeerIPv6:  netip.MustParsePrefix("fda9:4efe:7e3b:84ed::/64"),
		MTU:       1434,
	}
)

func configure(t *testing.T, ns *testNS, name string, c Config) {
	t.Helper()
	var res Result
	err := ns.run(func() (err error) {
		res, err = Configure(name, c)
		return err
	})
	if err != nil {
		t.Fatalf("Configure(%s): %v", name, err)
	}
	if !res.IPv4 || !res.IPv6 || res.IPv6Err != nil {
		t.Fatalf("Configure(%s) = %+v, want IPv4 and IPv6", name, res)
	}
}

// checkDevice compares the kernel's view of name with what ocserv leaves.
func checkDevice(t *testing.T, ns *testNS, name string, c Config, mtu int, owner Owner) {
	t.Helper()
	link, err := ns.nl.LinkByName(name)
	if err != nil {
		t.Fatalf("LinkByName(%s): %v", name, err)
	}
	tt, ok := link.(*netlink.Tuntap)
	if !ok {
		t.Fatalf("%s is a %T, want *netlink.Tuntap", name, link)
	}
	if tt.Mode != netlink.TUNTAP_MODE_TUN || tt.Flags&netlink.TUNTAP_NO_PI == 0 || !tt.NonPersist {
		t.Errorf("%s: mode %v flags %v non-persist %v, want tun, no_pi, non-persistent", name, tt.Mode, tt.Flags, tt.NonPersist)
	}
	if owner.UID >= 0 && tt.Owner != uint32(owner.UID) || owner.GID >= 0 && tt.Group != uint32(owner.GID) {
		t.Errorf("%s: owner %d group %d, want %d %d", name, tt.Owner, tt.Group, owner.UID, owner.GID)
	}
	a := link.Attrs()
	want := uint32(unix.IFF_UP | unix.IFF_POINTOPOINT | unix.IFF_LOWER_UP)
	mask := want | unix.IFF_MULTICAST | unix.IFF_NOARP | unix.IFF_BROADCAST
	if a.RawFlags&mask != want {
		t.Errorf("%s: flags %#x (%v), want exactly POINTOPOINT,UP,LOWER_UP among %#x", name, a.RawFlags, a.Flags, mask)
	}
	if a.MTU != mtu {
		t.Errorf("%s: MTU %d, want %d", name, a.MTU, mtu)
	}

	v4, err := ns.nl.AddrList(link, netlink.FAMILY_V4)
	if err != nil {
		t.Fatal(err)
	}
	if len(v4) != 1 {
		t.Fatalf("%s: IPv4 addresses %v, want one", name, v4)
	}
	got := v4[0]
	if ones, _ := got.Mask.Size(); !got.IP.Equal(c.LocalIPv4.AsSlice()) || got.Peer == nil ||
		!got.Peer.IP.Equal(c.PeerIPv4.AsSlice()) || ones != 32 || got.Scope != unix.RT_SCOPE_UNIVERSE {
		t.Errorf("%s: IPv4 %v peer %v scope %d, want %v peer %v/32 scope global", name, got.IPNet, got.Peer, got.Scope, c.LocalIPv4, c.PeerIPv4)
	}

	v6, err := ns.nl.AddrList(link, netlink.FAMILY_V6)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ad := range v6 {
		if ad.IP.Equal(c.LocalIPv6.AsSlice()) {
			found = true
			if ones, _ := ad.Mask.Size(); ones != 128 {
				t.Errorf("%s: %v, want /128", name, ad.IPNet)
			}
			if ad.Flags&unix.IFA_F_TENTATIVE != 0 {
				t.Errorf("%s: %v is tentative", name, ad.IPNet)
			}
		}
	}
	if !found {
		t.Errorf("%s: IPv6 addresses %v lack %v", name, v6, c.LocalIPv6)
	}
	routes, err := ns.nl.RouteList(link, netlink.FAMILY_V6)
	if err != nil {
		t.Fatal(err)
	}
	found = false
	for _, r := range routes {
		if r.Dst != nil && r.Dst.String() == c.PeerIPv6.Masked().String() {
			found = true
			if r.Priority != 1 || r.Protocol != unix.RTPROT_BOOT {
				t.Errorf("%s: route %v metric %d proto %d, want metric 1 proto boot", name, r.Dst, r.Priority, r.Protocol)
			}
		}
	}
	if !found {
		t.Errorf("%s: IPv6 routes %v lack %v", name, routes, c.PeerIPv6)
	}
}

func TestCreateConfigure(t *testing.T) {
	ns := newNS(t)
	owner := Owner{UID: 65534, GID: 65534}

	fa, nameA := ns.create(t, "vpns", owner)
	fb, nameB := ns.create(t, "vpns", NoOwner)
	if nameA != "vpns0" || nameB != "vpns1" {
		t.Fatalf("names %s, %s; want vpns0, vpns1", nameA, nameB)
	}
	configure(t, ns, nameA, sessA)
	configure(t, ns, nameB, sessB)
	checkDevice(t, ns, nameA, sessA, 1500, owner)
	checkDevice(t, ns, nameB, sessB, 1434, NoOwner)

	if err := ns.run(func() error { return SetMTU(nameA, 1472) }); err != nil {
		t.Fatalf("SetMTU: %v", err)
	}
	if err := ns.run(func() error { return SetMTU(nameA, 67) }); err == nil {
		t.Errorf("SetMTU(67) succeeded")
	}
	checkDevice(t, ns, nameA, sessA, 1472, owner)

	// Leases moved away: addresses and route go, the device stays.
	if err := ns.run(func() error { return RemoveAddrs(nameB, sessB) }); err != nil {
		t.Fatalf("RemoveAddrs: %v", err)
	}
	link, err := ns.nl.LinkByName(nameB)
	if err != nil {
		t.Fatalf("%s after RemoveAddrs: %v", nameB, err)
	}
	addrs, _ := ns.nl.AddrList(link, netlink.FAMILY_ALL)
	for _, a := range addrs {
		if !a.IP.IsLinkLocalUnicast() {
			t.Errorf("%s: address %v left after RemoveAddrs", nameB, a.IPNet)
		}
	}
	routes, _ := ns.nl.RouteList(link, netlink.FAMILY_V6)
	for _, r := range routes {
		if r.Dst != nil && r.Dst.String() == sessB.PeerIPv6.String() {
			t.Errorf("%s: route %v left after RemoveAddrs", nameB, r.Dst)
		}
	}
	if err := ns.run(func() error { return RemoveAddrs(nameB, sessB) }); err != nil {
		t.Errorf("second RemoveAddrs: %v", err)
	}

	// Closing the last descriptor removes the device; its number is free
	// again, as with ocserv.
	fa.Close()
	if err := ns.waitGone(nameA); err != nil {
		t.Fatal(err)
	}
	_, nameC := ns.create(t, "vpns", NoOwner)
	if nameC != "vpns0" {
		t.Errorf("after vpns0 went away, Create gave %s, want vpns0", nameC)
	}
	fb.Close()
	if err := ns.waitGone(nameB); err != nil {
		t.Fatal(err)
	}
}

func TestConfigureErrors(t *testing.T) {
	ns := newNS(t)
	_, name := ns.create(t, "tdv", NoOwner)
	second := sessA
	second.PeerIPv4 = netip.MustParseAddr("192.168.99.51")
	second.LocalIPv6 = netip.MustParseAddr("fda9:4efe:7e3b::2")
	err := ns.run(func() error {
		if _, err := Configure("nosuchdev0", sessA); err == nil {
			return errors.New("Configure on a missing device succeeded")
		}
		if _, err := Configure(name, sessA); err != nil {
			return err
		}
		// Same IPv6 route again: its IPv4 part works, the IPv6 route
		// fails (exists), which is reported but not fatal, and the new
		// IPv6 address is taken back.
		res, err := Configure(name, second)
		if err != nil {
			return err
		}
		if !res.IPv4 || res.IPv6 || res.IPv6Err == nil {
			return fmt.Errorf("second Configure = %+v, want IPv4 only with IPv6Err", res)
		}
		// IPv6 only, and it fails: fatal.
		res, err = Configure(name, Config{LocalIPv6: netip.MustParseAddr("ff02::2"), PeerIPv6: sessA.PeerIPv6})
		if err == nil || res.IPv6Err == nil {
			return fmt.Errorf("IPv6-only Configure with a multicast address = %+v, %v; want an error", res, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	link, err := ns.nl.LinkByName(name)
	if err != nil {
		t.Fatal(err)
	}
	v6, _ := ns.nl.AddrList(link, netlink.FAMILY_V6)
	var have1 bool
	for _, a := range v6 {
		if a.IP.Equal(second.LocalIPv6.AsSlice()) {
			t.Errorf("IPv6 address %v left after its route failed", a.IPNet)
		}
		have1 = have1 || a.IP.Equal(sessA.LocalIPv6.AsSlice())
	}
	if !have1 {
		t.Errorf("first session's IPv6 address %v missing: %v", sessA.LocalIPv6, v6)
	}
}

// passFD sends f's descriptor over a fresh socketpair with SCM_RIGHTS, as
// main does in AUTH_COOKIE_REP, and returns the descriptor the receiving
// side got.
func passFD(t testing.TB, f *os.File) int {
	t.Helper()
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(sp[0])
	defer unix.Close(sp[1])
	if err := unix.Sendmsg(sp[0], []byte{1}, unix.UnixRights(int(f.Fd())), nil, 0); err != nil {
		t.Fatalf("sendmsg: %v", err)
	}
	buf := make([]byte, 16)
	oob := make([]byte, unix.CmsgSpace(4))
	_, oobn, _, _, err := unix.Recvmsg(sp[1], buf, oob, unix.MSG_CMSG_CLOEXEC)
	if err != nil {
		t.Fatalf("recvmsg: %v", err)
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		t.Fatalf("control messages %v: %v", msgs, err)
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		t.Fatalf("rights %v: %v", fds, err)
	}
	return fds[0]
}

// ping writes an echo request from the client (peer) to the server's
// address and waits for the kernel's reply on the device, skipping other
// packets. A request the kernel drops (the address or route of a device
// configured a moment ago, on a loaded machine) is sent again: up to 5
// tries of 2 s each.
func ping(t testing.TB, d *Device, buf []byte, client, server netip.Addr, seq uint16, payload []byte) {
	t.Helper()
	var lastErr error
	for try := 0; try < 5; try++ {
		if err := d.SetReadDeadline(time.Now().Add(2 * time.Second)); err != nil {
			t.Fatal(err)
		}
		if err := d.WritePacket(echoRequest(client, server, 0x4f43, seq, payload)); err != nil {
			t.Fatalf("WritePacket: %v", err)
		}
		for range 100 {
			n, err := d.ReadPacket(buf)
			if err != nil {
				lastErr = err
				break
			}
			ok, err := isEchoReply(buf[:n], server, client, 0x4f43, seq, payload)
			if err != nil {
				t.Fatal(err)
			}
			if ok {
				return
			}
		}
	}
	t.Fatalf("no echo reply from %v after 5 requests: %v", server, lastErr)
}

// TestHandOff is the whole main→worker path: main creates and configures
// the device, passes the descriptor, closes its own copy; the worker
// exchanges packets with the kernel through it; closing the worker's copy
// removes the device.
func TestHandOff(t *testing.T) {
	ns := newNS(t)
	f, name := ns.create(t, "vpns", Owner{UID: 65534, GID: 65534})
	configure(t, ns, name, sessA)

	fd := passFD(t, f)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	d, err := NewDevice(fd)
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			d.Close()
		}
	})
	if _, err := ns.nl.LinkByName(name); err != nil {
		t.Fatalf("%s gone after main closed its copy: %v", name, err)
	}
	if got, err := d.Name(); err != nil || got != name {
		t.Errorf("Name() = %q, %v; want %q", got, err, name)
	}

	buf := make([]byte, 65535)
	payload := []byte(strings.Repeat("ocserv-go ", 100))
	ping(t, d, buf, sessA.PeerIPv4, sessA.LocalIPv4, 1, payload)
	ping(t, d, buf, sessA.PeerIPv6.Addr(), sessA.LocalIPv6, 2, payload)

	// Nothing addressed here: a passed deadline ends the read.
	if err := d.WritePacket(nil); err == nil {
		t.Errorf("WritePacket(empty) succeeded")
	}
	if err := d.SetReadDeadline(time.Now().Add(50 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		_, err := d.ReadPacket(buf)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil || i > 100 {
			t.Fatalf("ReadPacket after deadline: %v (after %d packets)", err, i)
		}
	}

	// Close wakes a blocked reader.
	if err := d.SetReadDeadline(time.Time{}); err != nil {
		t.Fatal(err)
	}
	readErr := make(chan error, 1)
	go func() {
		for range 100 {
			if _, err := d.ReadPacket(make([]byte, 2048)); err != nil {
				readErr <- err
				return
			}
		}
		readErr <- errors.New("reader saw 100 packets and no error")
	}()
	time.Sleep(50 * time.Millisecond)
	closed = true
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-readErr:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("blocked ReadPacket after Close: %v, want os.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not wake a blocked ReadPacket")
	}
	if err := ns.waitGone(name); err != nil {
		t.Fatal(err)
	}
}

func TestNewDeviceInvalid(t *testing.T) {
	if _, err := NewDevice(-1); err == nil {
		t.Error("NewDevice(-1) succeeded")
	}
}

// BenchmarkEchoRoundTrip measures one packet written to and one read from
// the tun device (an ICMP echo answered by the kernel), i.e. the worker's
// per-packet cost on both directions plus the kernel's ICMP handling.
func BenchmarkEchoRoundTrip(b *testing.B) {
	for _, size := range []int{64, 1400} {
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			ns := newNS(b)
			f, name := ns.create(b, "bench", NoOwner)
			var err error
			if rerr := ns.run(func() error { _, err = Configure(name, sessA); return err }); rerr != nil {
				b.Fatal(rerr)
			}
			d, err := NewDevice(passFD(b, f))
			if err != nil {
				b.Fatal(err)
			}
			f.Close()
			defer d.Close()
			payload := make([]byte, size-28)
			req := echoRequest(sessA.PeerIPv4, sessA.LocalIPv4, 0x4f43, 7, payload)
			buf := make([]byte, 65535)
			if err := d.SetReadDeadline(time.Now().Add(5 * time.Minute)); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(2 * size))
			b.ReportAllocs()
			for b.Loop() {
				if err := d.WritePacket(req); err != nil {
					b.Fatal(err)
				}
				for n := 0; ; n++ {
					m, err := d.ReadPacket(buf)
					if err != nil || n > 100 {
						b.Fatalf("ReadPacket: %v (after %d packets)", err, n)
					}
					if ok, _ := isEchoReply(buf[:m], sessA.LocalIPv4, sessA.PeerIPv4, 0x4f43, 7, payload); ok {
						break
					}
				}
			}
		})
	}
}
