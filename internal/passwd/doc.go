// Package passwd reads and writes ocserv's "plain" password file
// (USERNAME:GROUPS:HASH per line) and checks passwords against crypt(3)
// hashes.
//
// Where it runs: in sec-mod (the plain auth module re-reads the file at every
// login attempt, and the group list for auto-select-group) and in the
// ocpasswd command. It must never be linked into a worker: workers do not
// see the password file. It touches only the password file given to it and,
// when rewriting, FILE.tmp next to it.
//
// It mirrors these ocserv C files (behaviour only, no code copied):
//   - src/auth/plain.c: read_auth_pass, break_group_list, plain_group_list
//     and the crypt() comparison of plain_auth_pass (Lookup, ParseGroups,
//     AllGroups, Verify);
//   - src/ocpasswd/ocpasswd.c: salt generation and the file rewrite of
//     crypt_int, delete_user, lock_user and unlock_user (Hash, Rewrite).
//
// Hash checking uses pure Go (github.com/go-crypt/x, the primitives under
// github.com/go-crypt/crypt) for canonical $1$, $5$, $6$ and bcrypt hashes and
// the C library's crypt_r (libxcrypt, cgo builds only) for everything else:
// traditional DES, yescrypt $y$, $gy$, and any non-canonical setting string
// whose libc treatment the Go path does not reproduce.
package passwd
