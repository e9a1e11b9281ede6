package tundev

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// cloneDevice is the tun/tap clone device.
const cloneDevice = "/dev/net/tun"

// Owner is the user and group that may attach to a tun device (TUNSETOWNER,
// TUNSETGROUP). ocserv sets them to run-as-user/run-as-group. A negative
// value leaves that one unset.
type Owner struct {
	UID int
	GID int
}

// NoOwner leaves the device owned by nobody in particular (only
// CAP_NET_ADMIN may attach), as ocserv does without run-as-user/-group.
var NoOwner = Owner{UID: -1, GID: -1}

// ValidatePrefix reports whether prefix can name tun devices: the kernel
// appends a decimal number, and the result must fit IFNAMSIZ-1 bytes
// (ocserv refuses a `device` option that would be truncated).
func ValidatePrefix(prefix string) error {
	if prefix == "" {
		return errors.New("tundev: empty device name prefix")
	}
	// Room for at least one digit.
	if len(prefix)+1 > unix.IFNAMSIZ-1 {
		return fmt.Errorf("tundev: device name prefix %q too long (max %d bytes)", prefix, unix.IFNAMSIZ-2)
	}
	if strings.ContainsAny(prefix, "%/: \t\n") {
		return fmt.Errorf("tundev: invalid character in device name prefix %q", prefix)
	}
	return nil
}

// Create opens a new non-persistent tun device (IFF_TUN|IFF_NO_PI, so each
// read or write is one bare IP packet) named prefix followed by the lowest
// free number (the kernel's "%d" allocation, as ocserv: vpns0, vpns1, …;
// numbers are reused when devices disappear). The device vanishes when the
// last descriptor for it is closed. If owner has a non-negative UID or GID
// the device is given to that user/group, so the worker can keep using it
// after dropping privileges.
//
// It returns the device's file and name. The file is in blocking mode and
// is not registered with Go's poller; main only passes it to the worker
// (SCM_RIGHTS, using int(f.Fd())) and closes it. It needs CAP_NET_ADMIN and
// acts in the calling thread's network namespace.
func Create(prefix string, owner Owner) (*os.File, string, error) {
	if err := ValidatePrefix(prefix); err != nil {
		return nil, "", err
	}
	fd, err := unix.Open(cloneDevice, unix.O_RDWR|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, "", fmt.Errorf("tundev: open %s: %w", cloneDevice, err)
	}
	name, err := setup(fd, prefix+"%d", owner)
	if err != nil {
		unix.Close(fd)
		return nil, "", err
	}
	return os.NewFile(uintptr(fd), name), name, nil
}

// setup attaches fd to a new tun device and sets persistence and owner.
func setup(fd int, pattern string, owner Owner) (string, error) {
	ifr, err := unix.NewIfreq(pattern)
	if err != nil {
		return "", fmt.Errorf("tundev: device name %q: %w", pattern, err)
	}
	ifr.SetUint16(unix.IFF_TUN | unix.IFF_NO_PI)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		return "", fmt.Errorf("tundev: %s: TUNSETIFF: %w", pattern, err)
	}
	name := ifr.Name()
	if err := unix.IoctlSetInt(fd, unix.TUNSETPERSIST, 0); err != nil {
		return "", fmt.Errorf("tundev: %s: TUNSETPERSIST: %w", name, err)
	}
	if owner.UID >= 0 {
		if err := unix.IoctlSetInt(fd, unix.TUNSETOWNER, owner.UID); err != nil {
			return "", fmt.Errorf("tundev: %s: TUNSETOWNER %d: %w", name, owner.UID, err)
		}
	}
	if owner.GID >= 0 {
		// Like ocserv, tolerate EINVAL from kernels without TUNSETGROUP.
		if err := unix.IoctlSetInt(fd, unix.TUNSETGROUP, owner.GID); err != nil && !errors.Is(err, unix.EINVAL) {
			return "", fmt.Errorf("tundev: %s: TUNSETGROUP %d: %w", name, owner.GID, err)
		}
	}
	return name, nil
}
