package secmod

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// unsafePtr returns a pointer to a NUL-terminated copy of s for prctl.
func unsafePtr(s string) unsafe.Pointer {
	b, err := unix.BytePtrFromString(s)
	if err != nil {
		return nil
	}
	return unsafe.Pointer(b)
}
