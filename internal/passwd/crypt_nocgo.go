//go:build !cgo

package passwd

import "fmt"

// haveLibcCrypt reports whether this build can call the C library's crypt.
const haveLibcCrypt = false

// libcCrypt is unavailable without cgo: hashes the pure-Go code does not
// handle (DES, $y$ yescrypt, $gy$, non-canonical settings) are rejected.
func libcCrypt(_, setting string) (string, error) {
	kind := setting
	if len(kind) > 4 {
		kind = kind[:4]
	}
	return "", fmt.Errorf("checking hash %q...: %w", kind, ErrUnsupportedHash)
}
