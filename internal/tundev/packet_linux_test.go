package tundev

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
)

// checksum is the Internet checksum (RFC 1071) of the concatenated parts.
func checksum(parts ...[]byte) uint16 {
	var sum uint32
	var odd []byte
	for _, p := range parts {
		if len(odd) == 1 && len(p) > 0 {
			sum += uint32(odd[0])<<8 | uint32(p[0])
			p = p[1:]
			odd = nil
		}
		for len(p) >= 2 {
			sum += uint32(binary.BigEndian.Uint16(p))
			p = p[2:]
		}
		if len(p) == 1 {
			odd = p
		}
	}
	if len(odd) == 1 {
		sum += uint32(odd[0]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// echoRequest builds an ICMP (IPv4) or ICMPv6 echo request from src to dst.
func echoRequest(src, dst netip.Addr, id, seq uint16, payload []byte) []byte {
	icmp := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint16(icmp[4:], id)
	binary.BigEndian.PutUint16(icmp[6:], seq)
	copy(icmp[8:], payload)
	if src.Is4() {
		icmp[0] = 8 // echo request
		binary.BigEndian.PutUint16(icmp[2:], checksum(icmp))
		ip := make([]byte, 20, 20+len(icmp))
		ip[0] = 0x45
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(icmp)))
		binary.BigEndian.PutUint16(ip[4:], seq)
		ip[8] = 64 // TTL
		ip[9] = 1  // ICMP
		s, d := src.As4(), dst.As4()
		copy(ip[12:], s[:])
		copy(ip[16:], d[:])
		binary.BigEndian.PutUint16(ip[10:], checksum(ip))
		return append(ip, icmp...)
	}
	icmp[0] = 128 // echo request
	ip := make([]byte, 40, 40+len(icmp))
	ip[0] = 0x60
	binary.BigEndian.PutUint16(ip[4:], uint16(len(icmp)))
	ip[6] = 58 // ICMPv6
	ip[7] = 64 // hop limit
	s, d := src.As16(), dst.As16()
	copy(ip[8:], s[:])
	copy(ip[24:], d[:])
	binary.BigEndian.PutUint16(icmp[2:], checksum(pseudo6(s, d, len(icmp)), icmp))
	return append(ip, icmp...)
}

func pseudo6(src, dst [16]byte, n int) []byte {
	ph := make([]byte, 40)
	copy(ph, src[:])
	copy(ph[16:], dst[:])
	binary.BigEndian.PutUint32(ph[32:], uint32(n))
	ph[39] = 58
	return ph
}

// isEchoReply reports whether pkt is the echo reply from `from` to `to`
// matching id, seq and payload; other packets (router solicitations, …)
// give false with no error, malformed replies an error.
func isEchoReply(pkt []byte, from, to netip.Addr, id, seq uint16, payload []byte) (bool, error) {
	var icmp []byte
	switch {
	case from.Is4() && len(pkt) >= 20 && pkt[0]>>4 == 4 && pkt[9] == 1:
		src, _ := netip.AddrFromSlice(pkt[12:16])
		dst, _ := netip.AddrFromSlice(pkt[16:20])
		if src != from || dst != to {
			return false, nil
		}
		if checksum(pkt[:20]) != 0 {
			return false, fmt.Errorf("bad IPv4 header checksum in %x", pkt)
		}
		icmp = pkt[int(pkt[0]&0xf)*4:]
		if len(icmp) < 8 || icmp[0] != 0 {
			return false, nil
		}
		if checksum(icmp) != 0 {
			return false, fmt.Errorf("bad ICMP checksum in %x", pkt)
		}
	case from.Is6() && len(pkt) >= 40 && pkt[0]>>4 == 6 && pkt[6] == 58:
		src, _ := netip.AddrFromSlice(pkt[8:24])
		dst, _ := netip.AddrFromSlice(pkt[24:40])
		if src != from || dst != to {
			return false, nil
		}
		icmp = pkt[40:]
		if len(icmp) < 8 || icmp[0] != 129 {
			return false, nil
		}
		if checksum(pseudo6(src.As16(), dst.As16(), len(icmp)), icmp) != 0 {
			return false, fmt.Errorf("bad ICMPv6 checksum in %x", pkt)
		}
	default:
		return false, nil
	}
	if binary.BigEndian.Uint16(icmp[4:]) != id || binary.BigEndian.Uint16(icmp[6:]) != seq {
		return false, nil
	}
	if !bytes.Equal(icmp[8:], payload) {
		return false, fmt.Errorf("echo reply payload %x, want %x", icmp[8:], payload)
	}
	return true, nil
}
