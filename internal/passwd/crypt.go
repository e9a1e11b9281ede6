package passwd

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"strings"

	xbcrypt "github.com/go-crypt/x/bcrypt"
	xcrypt "github.com/go-crypt/x/crypt"
)

// ErrUnsupportedHash is returned by Check for hashes that only the C
// library can check when the program was built without cgo.
var ErrUnsupportedHash = errors.New("hash type needs the C library's crypt (build with cgo)")

// saltAlphabet is the 64-character alphabet of crypt salts, in the order
// ocpasswd draws from.
const saltAlphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ./"

// saltLen is the number of salt characters ocpasswd generates.
const saltLen = 16

// cString cuts s at its first NUL, as C's crypt sees a password.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// Verify reports whether password matches hash with crypt(3) semantics:
// crypt(password, hash) must equal hash. A hash starting with '!' (locked)
// never matches. An empty hash never matches either: in ocserv an empty
// hash means "no password asked", which the caller must handle before
// calling Verify. The password is cut at its first NUL byte, as C does.
func Verify(hash, password string) bool {
	ok, err := Check(hash, password)
	return ok && err == nil
}

// Check is Verify with an error for hashes that cannot be checked in this
// build (ErrUnsupportedHash without cgo). A hash libc rejects is simply
// "no match", not an error.
func Check(hash, password string) (bool, error) {
	if hash == "" || hash[0] == '!' {
		return false, nil
	}
	password = cString(password)
	out, ok := goCrypt(password, hash)
	if !ok {
		var err error
		out, err = libcCrypt(password, hash)
		if err != nil {
			return false, err
		}
	}
	return subtle.ConstantTimeCompare([]byte(out), []byte(hash)) == 1, nil
}

// Hash returns the SHA-256 crypt hash ocpasswd writes: "$5$", 16 random
// salt characters, "$", the digest, with the default 5000 rounds (no
// "rounds=" field). The password is cut at its first NUL byte, as C does.
func Hash(password string) (string, error) {
	var rnd [saltLen]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", fmt.Errorf("generating salt: %w", err)
	}
	salt := make([]byte, saltLen)
	for i, b := range rnd {
		salt[i] = saltAlphabet[int(b)%len(saltAlphabet)]
	}
	return hashWithSalt(password, string(salt)), nil
}

func hashWithSalt(password, salt string) string {
	key := xcrypt.KeySHACrypt(sha256.New, []byte(cString(password)), []byte(salt), 5000)
	return "$5$" + salt + "$" + string(key)
}

// goCrypt computes crypt(password, setting) in Go when setting is a
// canonical hash whose libc result the Go code reproduces exactly. ok is
// false when the C library must decide.
func goCrypt(password, setting string) (out string, ok bool) {
	switch {
	case strings.HasPrefix(setting, "$1$"):
		return md5Crypt(password, setting)
	case strings.HasPrefix(setting, "$5$"):
		return shaCrypt(password, setting, "$5$", sha256.New, 43)
	case strings.HasPrefix(setting, "$6$"):
		return shaCrypt(password, setting, "$6$", sha512.New, 86)
	case strings.HasPrefix(setting, "$2b$"), strings.HasPrefix(setting, "$2y$"),
		strings.HasPrefix(setting, "$2a$"):
		return bcryptCrypt(password, setting)
	}
	return "", false
}

func isSaltChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '/'
}

func allSaltChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isSaltChar(s[i]) {
			return false
		}
	}
	return true
}

// md5Crypt handles "$1$" + 1..8 salt chars + "$" + 22 digest chars.
func md5Crypt(password, setting string) (string, bool) {
	rest := setting[3:]
	salt, digest, found := strings.Cut(rest, "$")
	if !found || len(salt) < 1 || len(salt) > 8 || !allSaltChars(salt) ||
		len(digest) != 22 || !allSaltChars(digest) {
		return "", false
	}
	key := xcrypt.KeyMD5Crypt([]byte(password), []byte(salt))
	return "$1$" + salt + "$" + string(key), true
}

// shaCrypt handles prefix + optional "rounds=N$" (1000..999999999, no
// leading zero) + 1..16 salt chars + "$" + digest.
func shaCrypt(password, setting, prefix string, h func() hash.Hash, digestLen int) (string, bool) {
	rest := setting[len(prefix):]
	rounds := 5000
	roundsField := ""
	if strings.HasPrefix(rest, "rounds=") {
		num, after, found := strings.Cut(rest[len("rounds="):], "$")
		if !found || num == "" || num[0] == '0' || len(num) > 9 {
			return "", false
		}
		for i := 0; i < len(num); i++ {
			if num[i] < '0' || num[i] > '9' {
				return "", false
			}
		}
		n, err := strconv.Atoi(num)
		if err != nil || n < 1000 || n > 999999999 {
			return "", false
		}
		rounds = n
		roundsField = "rounds=" + num + "$"
		rest = after
	}
	salt, digest, found := strings.Cut(rest, "$")
	if !found || len(salt) < 1 || len(salt) > 16 || !allSaltChars(salt) ||
		len(digest) != digestLen || !allSaltChars(digest) {
		return "", false
	}
	key := xcrypt.KeySHACrypt(h, []byte(password), []byte(salt), rounds)
	return prefix + roundsField + salt + "$" + string(key), true
}

// bcryptCrypt handles "$2b$", "$2y$" and "$2a$" + 2-digit cost (04..31) +
// "$" + 22 salt + 31 digest chars. $2a$ differs from $2b$ in libxcrypt only
// for passwords with bytes >= 0x80, so those go to the C library.
func bcryptCrypt(password, setting string) (string, bool) {
	if len(setting) != 60 || setting[3] != '$' || setting[6] != '$' {
		return "", false
	}
	if setting[2] == 'a' {
		for i := 0; i < len(password); i++ {
			if password[i] >= 0x80 {
				return "", false
			}
		}
	}
	if setting[4] < '0' || setting[4] > '9' || setting[5] < '0' || setting[5] > '9' {
		return "", false
	}
	cost := int(setting[4]-'0')*10 + int(setting[5]-'0')
	if cost < 4 || cost > 31 {
		return "", false
	}
	encSalt := setting[7:29]
	if !allSaltChars(encSalt) || !allSaltChars(setting[29:]) {
		return "", false
	}
	salt, err := xbcrypt.Base64Decode([]byte(encSalt))
	if err != nil || len(salt) != 16 {
		return "", false
	}
	pw := []byte(password)
	if len(pw) > 72 {
		pw = pw[:72]
	}
	key, err := xbcrypt.Key(pw, salt, cost)
	if err != nil {
		return "", false
	}
	// The salt is re-encoded from its 16 bytes, as libc does: a stored salt
	// whose last character carries unused bits never matches.
	return setting[:7] + string(xbcrypt.Base64Encode(salt)) + string(key), true
}
