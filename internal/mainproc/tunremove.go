package mainproc

import (
	"errors"
	"fmt"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Index is the interface index of device name.
func (realTun) Index(name string) (int, error) {
	link, err := netlink.LinkByName(name)
	if err != nil {
		return 0, fmt.Errorf("looking up %s: %w", name, err)
	}
	return link.Attrs().Index, nil
}

// Delete removes the tun device a session created, found by the index it
// had then: a device of the same name created since for another session
// (the kernel frees the name when the last descriptor closes) is left
// alone. A device that is already gone is not an error. Deleting the link
// detaches every descriptor still open on it, so a worker's stray copy
// cannot keep the device once the session's address is handed out again.
func (realTun) Delete(name string, index int) error {
	link, err := netlink.LinkByIndex(index)
	if err != nil {
		var nf netlink.LinkNotFoundError
		if errors.As(err, &nf) {
			return nil
		}
		return fmt.Errorf("looking up interface %d: %w", index, err)
	}
	if link.Attrs().Name != name {
		return nil
	}
	if err := netlink.LinkDel(link); err != nil {
		if errors.Is(err, unix.ENODEV) {
			return nil
		}
		return fmt.Errorf("deleting %s: %w", name, err)
	}
	return nil
}
