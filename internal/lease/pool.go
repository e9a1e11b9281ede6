package lease

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// ParseIPv4Pool turns ocserv's ipv4-network / ipv4-netmask pair into a
// prefix. network may carry its own length ("192.168.1.0/24", then netmask
// may be empty); netmask may be dotted ("255.255.255.0") or a length ("24"
// or "/24"). Host bits in network are cleared, as ocserv does. Masks that
// are not contiguous are rejected.
func ParseIPv4Pool(network, netmask string) (netip.Prefix, error) {
	network = strings.TrimSpace(network)
	netmask = strings.TrimSpace(netmask)
	if addr, bitsStr, ok := strings.Cut(network, "/"); ok {
		if netmask != "" {
			return netip.Prefix{}, fmt.Errorf("lease: ipv4-network %q has a length and ipv4-netmask %q is set too", network, netmask)
		}
		network, netmask = addr, bitsStr
	}
	a, err := netip.ParseAddr(network)
	if err != nil || !a.Is4() {
		return netip.Prefix{}, fmt.Errorf("lease: error reading IPv4 network %q", network)
	}
	n, err := maskBits(netmask)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, n).Masked(), nil
}

func maskBits(m string) (int, error) {
	m = strings.TrimPrefix(m, "/")
	if n, err := strconv.Atoi(m); err == nil {
		if n < 0 || n > 32 {
			return 0, fmt.Errorf("lease: IPv4 prefix length %d out of range", n)
		}
		return n, nil
	}
	a, err := netip.ParseAddr(m)
	if err != nil || !a.Is4() {
		return 0, fmt.Errorf("lease: error reading IPv4 netmask %q", m)
	}
	b := a.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for n < 32 && v&(1<<(31-n)) != 0 {
		n++
	}
	if n < 32 && v<<n != 0 {
		return 0, fmt.Errorf("lease: IPv4 netmask %q is not contiguous", m)
	}
	return n, nil
}

// ParseIPv6Pool reads ocserv's ipv6-network (with or without "/len") and
// ipv6-prefix (used when network has no length; 0 = absent).
func ParseIPv6Pool(network string, prefix int) (netip.Prefix, error) {
	network = strings.TrimSpace(network)
	if strings.Contains(network, "/") {
		p, err := netip.ParsePrefix(network)
		if err != nil || !p.Addr().Is6() {
			return netip.Prefix{}, fmt.Errorf("lease: error reading IPv6 network %q", network)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(network)
	if err != nil || !a.Is6() {
		return netip.Prefix{}, fmt.Errorf("lease: error reading IPv6 network %q", network)
	}
	if prefix <= 0 || prefix > 128 {
		return netip.Prefix{}, fmt.Errorf("lease: IPv6 network %q has no valid prefix length (%d)", network, prefix)
	}
	return netip.PrefixFrom(a, prefix).Masked(), nil
}

// ServerAddr returns the server ("P-t-P", IP_LOCAL) end of every link in
// the pool: the network address with its lowest bit set, as ocserv does.
func ServerAddr(pool netip.Prefix) netip.Addr {
	s := pool.Masked().Addr().AsSlice()
	s[len(s)-1] |= 1
	a, _ := netip.AddrFromSlice(s)
	return a
}

// mask returns the netmask of p as bytes (4 or 16).
func mask(p netip.Prefix) []byte {
	n := p.Addr().BitLen() / 8
	m := make([]byte, n)
	for i := 0; i < p.Bits(); i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return m
}
