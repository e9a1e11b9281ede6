package tundev

import (
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// Device is the worker's end of a session's tun device: the descriptor main
// passed with SCM_RIGHTS, in non-blocking mode behind Go's poller, so a
// blocked ReadPacket returns when the Device is closed or a read deadline
// passes. With IFF_NO_PI every read returns exactly one IP packet and every
// write injects exactly one.
//
// One goroutine may read while another writes; Close may be called from
// any goroutine.
type Device struct {
	f *os.File
}

// NewDevice takes ownership of fd, a tun descriptor received from main,
// and switches it to non-blocking mode. (O_NONBLOCK is shared by all copies
// of the descriptor; main only closes its copy, so this is harmless.) On
// error fd is closed.
func NewDevice(fd int) (*Device, error) {
	if fd < 0 {
		return nil, fmt.Errorf("tundev: invalid tun descriptor %d", fd)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tundev: tun descriptor %d: set non-blocking: %w", fd, err)
	}
	// A non-blocking descriptor is registered with the runtime poller.
	f := os.NewFile(uintptr(fd), "tun")
	if f == nil {
		unix.Close(fd)
		return nil, fmt.Errorf("tundev: invalid tun descriptor %d", fd)
	}
	return &Device{f: f}, nil
}

// ReadPacket reads one IP packet into buf and returns its length. buf
// should hold at least the device MTU; the kernel silently truncates a
// longer packet to len(buf). After Close it returns an error wrapping
// os.ErrClosed; after a passed deadline one wrapping
// os.ErrDeadlineExceeded.
func (d *Device) ReadPacket(buf []byte) (int, error) {
	return d.f.Read(buf)
}

// WritePacket injects the IP packet pkt into the kernel as if it had
// arrived on the device. The kernel rejects (EINVAL) data that is not a
// plausible packet, e.g. an empty one.
func (d *Device) WritePacket(pkt []byte) error {
	_, err := d.f.Write(pkt)
	return err
}

// SetReadDeadline sets the deadline for pending and future ReadPacket
// calls; the zero time means none.
func (d *Device) SetReadDeadline(t time.Time) error {
	return d.f.SetReadDeadline(t)
}

// Name asks the kernel for the device's interface name (TUNGETIFF), for
// logs; the worker otherwise learns the name from main.
func (d *Device) Name() (string, error) {
	rc, err := d.f.SyscallConn()
	if err != nil {
		return "", fmt.Errorf("tundev: %w", err)
	}
	var name string
	var ierr error
	err = rc.Control(func(fd uintptr) {
		var ifr *unix.Ifreq
		ifr, ierr = unix.NewIfreq("")
		if ierr == nil {
			ierr = unix.IoctlIfreq(int(fd), unix.TUNGETIFF, ifr)
			name = ifr.Name()
		}
	})
	if err == nil {
		err = ierr
	}
	if err != nil {
		return "", fmt.Errorf("tundev: TUNGETIFF: %w", err)
	}
	return name, nil
}

// Close closes the descriptor, waking a blocked ReadPacket. When this was
// the last descriptor for the device, the kernel removes the device.
func (d *Device) Close() error {
	return d.f.Close()
}
