package tundev

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// MTU limits the kernel accepts for a tun device. main additionally caps
// the value at the `mtu` option (ocserv: 68 ≤ mtu ≤ mtu option or 16384).
const (
	MinMTU = 68
	MaxMTU = 65535
)

// Config is the network side of one session's tun device (ocserv's
// proc->ipv4 / proc->ipv6 leases).
type Config struct {
	// LocalIPv4 is the server's address on the link (network | 1) and
	// PeerIPv4 the client's leased address. Both set or both zero.
	LocalIPv4 netip.Addr
	PeerIPv4  netip.Addr

	// LocalIPv6 is the server's address (set as /128), PeerIPv6 the
	// client's address with the ipv6-subnet-prefix length (default /128);
	// a route to it via the device, metric 1, is added. Both set or both
	// zero.
	LocalIPv6 netip.Addr
	PeerIPv6  netip.Prefix

	// MTU, if non-zero, is set on the device (otherwise the kernel's 1500
	// stays until SetMTU).
	MTU int
}

// HasIPv4 reports whether c carries an IPv4 lease.
func (c Config) HasIPv4() bool { return c.LocalIPv4.IsValid() && c.PeerIPv4.IsValid() }

// HasIPv6 reports whether c carries an IPv6 lease.
func (c Config) HasIPv6() bool { return c.LocalIPv6.IsValid() && c.PeerIPv6.IsValid() }

func (c Config) validate() error {
	if c.LocalIPv4.IsValid() != c.PeerIPv4.IsValid() {
		return errors.New("tundev: IPv4 local and peer addresses must both be set")
	}
	if c.LocalIPv4.IsValid() && (!c.LocalIPv4.Is4() || !c.PeerIPv4.Is4()) {
		return fmt.Errorf("tundev: IPv4 addresses %v, %v are not IPv4", c.LocalIPv4, c.PeerIPv4)
	}
	if c.LocalIPv6.IsValid() != c.PeerIPv6.IsValid() {
		return errors.New("tundev: IPv6 local address and peer prefix must both be set")
	}
	if c.LocalIPv6.IsValid() && (!c.LocalIPv6.Is6() || c.LocalIPv6.Is4In6() || !c.PeerIPv6.Addr().Is6() || c.PeerIPv6.Addr().Is4In6()) {
		return fmt.Errorf("tundev: IPv6 addresses %v, %v are not IPv6", c.LocalIPv6, c.PeerIPv6)
	}
	if !c.HasIPv4() && !c.HasIPv6() {
		return errors.New("tundev: no IPv4 or IPv6 addresses to set")
	}
	if c.MTU != 0 && (c.MTU < MinMTU || c.MTU > MaxMTU) {
		return fmt.Errorf("tundev: MTU %d out of range [%d, %d]", c.MTU, MinMTU, MaxMTU)
	}
	return nil
}

// Result tells which address families Configure set up.
type Result struct {
	IPv4 bool
	IPv6 bool
	// IPv6Err is why IPv6 was requested but not set up. As in ocserv, this
	// is not fatal when IPv4 works: main drops the IPv6 lease and goes on.
	IPv6Err error
}

// Configure brings the device name up with ocserv's link flags
// (POINTOPOINT,UP without MULTICAST/NOARP), optionally sets its MTU, and
// adds the session's addresses: IPv4 as "local peer remote/32", IPv6 as
// local/128 plus a route to the peer prefix with metric 1.
//
// Mirroring ocserv's set_network_info, an error setting the link or IPv4
// up is returned as err; an IPv6 failure only is reported in
// Result.IPv6Err (and the partially added IPv6 state removed), unless
// there is no IPv4 either, in which case err is set as well.
func Configure(name string, c Config) (Result, error) {
	var res Result
	if err := c.validate(); err != nil {
		return res, err
	}
	link, err := netlink.LinkByName(name)
	if err != nil {
		return res, fmt.Errorf("tundev: %s: %w", name, err)
	}
	if c.MTU != 0 {
		if err := netlink.LinkSetMTU(link, c.MTU); err != nil {
			return res, fmt.Errorf("tundev: %s: set MTU %d: %w", name, c.MTU, err)
		}
	}
	if err := linkUp(link); err != nil {
		return res, fmt.Errorf("tundev: %s: %w", name, err)
	}
	if c.HasIPv4() {
		if err := netlink.AddrAdd(link, ipv4Addr(c)); err != nil {
			return res, fmt.Errorf("tundev: %s: add IPv4 %v peer %v: %w", name, c.LocalIPv4, c.PeerIPv4, err)
		}
		res.IPv4 = true
	}
	if c.HasIPv6() {
		if err := addIPv6(link, c); err != nil {
			res.IPv6Err = fmt.Errorf("tundev: %s: %w", name, err)
			if !res.IPv4 {
				return res, res.IPv6Err
			}
		} else {
			res.IPv6 = true
		}
	}
	return res, nil
}

// linkUp sets the flags ocserv's SIOCSIFFLAGS(IFF_UP|IFF_RUNNING) leaves:
// up, multicast off, NOARP off.
func linkUp(link netlink.Link) error {
	if err := netlink.LinkSetMulticastOff(link); err != nil {
		return fmt.Errorf("multicast off: %w", err)
	}
	if err := netlink.LinkSetARPOn(link); err != nil {
		return fmt.Errorf("clear NOARP: %w", err)
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return fmt.Errorf("set up: %w", err)
	}
	return nil
}

func ipv4Addr(c Config) *netlink.Addr {
	host := net.CIDRMask(32, 32)
	return &netlink.Addr{
		IPNet: &net.IPNet{IP: net.IP(c.LocalIPv4.AsSlice()), Mask: host},
		Peer:  &net.IPNet{IP: net.IP(c.PeerIPv4.AsSlice()), Mask: host},
	}
}

func ipv6Addr(c Config) *netlink.Addr {
	return &netlink.Addr{
		IPNet: &net.IPNet{IP: net.IP(c.LocalIPv6.AsSlice()), Mask: net.CIDRMask(128, 128)},
		Flags: unix.IFA_F_NODAD,
	}
}

func ipv6Route(link netlink.Link, c Config) *netlink.Route {
	p := c.PeerIPv6.Masked()
	return &netlink.Route{
		LinkIndex: link.Attrs().Index,
		Dst:       &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), 128)},
		Priority:  1,
		Protocol:  unix.RTPROT_BOOT, // what ocserv's SIOCADDRT yields
	}
}

func addIPv6(link netlink.Link, c Config) error {
	addr := ipv6Addr(c)
	if err := netlink.AddrAdd(link, addr); err != nil {
		return fmt.Errorf("add IPv6 %v: %w", c.LocalIPv6, err)
	}
	if err := netlink.RouteAdd(ipv6Route(link, c)); err != nil {
		err = fmt.Errorf("add IPv6 route to %v: %w", c.PeerIPv6, err)
		if derr := netlink.AddrDel(link, addr); derr != nil {
			err = errors.Join(err, fmt.Errorf("remove IPv6 %v: %w", c.LocalIPv6, derr))
		}
		return err
	}
	return nil
}

// RemoveAddrs deletes the addresses (and the IPv6 route) that Configure
// added for c from the device name, leaving the device itself alone. main
// does this (ocserv's reset_tun) when a reconnecting session takes over the
// leases of an old one whose worker still holds the device. Addresses that
// are already gone are not an error.
func RemoveAddrs(name string, c Config) error {
	link, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("tundev: %s: %w", name, err)
	}
	var errs []error
	if c.HasIPv4() {
		if err := netlink.AddrDel(link, ipv4Addr(c)); err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("tundev: %s: remove IPv4 %v: %w", name, c.LocalIPv4, err))
		}
	}
	if c.HasIPv6() {
		if err := netlink.RouteDel(ipv6Route(link, c)); err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("tundev: %s: remove IPv6 route to %v: %w", name, c.PeerIPv6, err))
		}
		if err := netlink.AddrDel(link, ipv6Addr(c)); err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("tundev: %s: remove IPv6 %v: %w", name, c.LocalIPv6, err))
		}
	}
	return errors.Join(errs...)
}

// gone reports errors meaning "already not there".
func gone(err error) bool {
	return errors.Is(err, unix.EADDRNOTAVAIL) || errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENOENT)
}

// SetMTU sets the MTU of the device name (main, on CMD_TUN_MTU). The
// caller applies the `mtu` option's upper bound; this checks only the
// kernel's range.
func SetMTU(name string, mtu int) error {
	if mtu < MinMTU || mtu > MaxMTU {
		return fmt.Errorf("tundev: %s: MTU %d out of range [%d, %d]", name, mtu, MinMTU, MaxMTU)
	}
	link, err := netlink.LinkByName(name)
	if err != nil {
		return fmt.Errorf("tundev: %s: %w", name, err)
	}
	if err := netlink.LinkSetMTU(link, mtu); err != nil {
		return fmt.Errorf("tundev: %s: set MTU %d: %w", name, mtu, err)
	}
	return nil
}
