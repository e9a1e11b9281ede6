package nss

import "unicode/utf8"

// validName reports whether s may be passed to or taken from NSS: valid
// UTF-8 without NUL or other control characters (which C strings, log
// lines, scripts and the worker's start-up message could not carry
// safely).
func validName(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
