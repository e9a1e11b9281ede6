//go:build cgo

package passwd

/*
#cgo LDFLAGS: -lcrypt
#include <crypt.h>
#include <stdlib.h>
#include <string.h>

static char *ocgo_crypt(const char *pw, const char *setting, struct crypt_data *cd) {
	memset(cd, 0, sizeof(*cd));
	return crypt_r(pw, setting, cd);
}
*/
import "C"

import (
	"strings"
	"unsafe"
)

// haveLibcCrypt reports whether this build can call the C library's crypt.
const haveLibcCrypt = true

// libcCrypt returns crypt_r(password, setting) from the C library
// (libxcrypt). A NULL result or a failure token ("*0"/"*1") is returned as
// a string that cannot equal a valid setting, so it is never a match.
func libcCrypt(password, setting string) (string, error) {
	// C strings end at the first NUL; the callers already cut the password.
	if i := strings.IndexByte(setting, 0); i >= 0 {
		setting = setting[:i]
	}
	cpw := C.CString(password)
	defer func() {
		C.memset(unsafe.Pointer(cpw), 0, C.size_t(len(password)))
		C.free(unsafe.Pointer(cpw))
	}()
	cset := C.CString(setting)
	defer C.free(unsafe.Pointer(cset))
	cd := (*C.struct_crypt_data)(C.calloc(1, C.size_t(unsafe.Sizeof(C.struct_crypt_data{}))))
	if cd == nil {
		return "*", nil
	}
	defer func() {
		C.memset(unsafe.Pointer(cd), 0, C.size_t(unsafe.Sizeof(C.struct_crypt_data{})))
		C.free(unsafe.Pointer(cd))
	}()
	out := C.ocgo_crypt(cpw, cset, cd)
	if out == nil {
		// Never equal to a stored hash: hashes contain no NUL.
		return "\x00", nil
	}
	return C.GoString(out), nil
}
