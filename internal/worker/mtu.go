package worker

import (
	"os"

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
