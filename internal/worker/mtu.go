package worker

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// tunMTU reads the MTU of the tun device name (SIOCGIFMTU, no privileges
// needed); 1500 when it cannot be read, as ocserv assumes.
func tunMTU(name string) int {
	if name == "" {
		return 1500
	}
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 1500
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 1500
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFMTU, ifr); err != nil {
		return 1500
	}
	if m := int(ifr.Uint32()); m > 0 {
		return m
	}
	return 1500
}

// dupFD takes the descriptor out of f (which is closed) as a raw fd.
func dupFD(f *os.File) (int, error) {
	if f == nil {
		return -1, os.ErrInvalid
	}
	defer f.Close()
	fd, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	return fd, nil
}

// minDataMTU is the smallest data MTU a tunnel is set up with: IPv4's
// minimum (RFC 791), which is also the lowest MTU main gives a tun device.
// A client whose MTU headers leave less is refused (ocserv 1.1.6 wraps
// around and advertises e.g. X-CSTP-MTU: 4294967269).
const minDataMTU = 68

// maxClientMTU saturates the numbers parsed from the client's MTU
// headers: far above any link MTU, far below an int overflow.
const maxClientMTU = 1 << 20

// parseClientMTU reads an MTU header value the way ocserv's atoi does
// (leading blanks, an optional sign, the leading digits; "12ab" is 12)
// but saturates at ±maxClientMTU instead of overflowing. ok is false when
// there are no digits (n is then 0, ocserv's "not sent").
func parseClientMTU(v string) (n int, ok bool) {
	v = strings.TrimLeft(v, " \t")
	neg := false
	if v != "" && (v[0] == '+' || v[0] == '-') {
		neg = v[0] == '-'
		v = v[1:]
	}
	for _, c := range []byte(v) {
		if c < '0' || c > '9' {
			break
		}
		ok = true
		if n < maxClientMTU {
			n = n*10 + int(c-'0')
		}
	}
	n = min(n, maxClientMTU)
	if neg {
		n = -n
	}
	return n, ok
}

// clientLinkMTU lowers the link MTU to what the client's headers allow
// (protocol.md §6.10 step 2), with ocserv's precedence: a non-zero
// X-CSTP-Base-MTU, else a non-zero X-CSTP-MTU plus the worst-case DTLS
// overheads. An absent header is "". Non-numeric and zero values count as
// not sent; negative and oversized ones leave link unchanged (ocserv's
// unsigned comparison ignores negative base values; a negative X-CSTP-MTU
// wraps there to a tiny link MTU, here it is ignored).
func clientLinkMTU(base, cstpMTU string, link, ipOver int) int {
	if n, _ := parseClientMTU(base); n != 0 {
		if n > 0 && n < link {
			return n
		}
		return link
	}
	if n, _ := parseClientMTU(cstpMTU); n > 0 && n+ipOver+8+66 < link {
		return n + ipOver + 8 + 66
	}
	return link
}
