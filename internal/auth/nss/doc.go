// Package nss reads the system user and group databases through the C
// library's name service switch (getpwnam_r, getgrnam_r, getgrgid_r,
// getgrouplist, setgrent/getgrent_r/endgrent), as ocserv does, so that users and groups
// served by any NSS module (LDAP, SSSD, nss_wrapper in tests, ...) are
// seen, not only those of /etc/passwd and /etc/group.
//
// Process: main (run-as-user and run-as-group, the pam[gid-min=N]
// auto-select-group list) and sec-mod (a PAM user's groups), both in the
// ocserv binary, which is built with
// cgo and linked dynamically against libc. The worker never imports this
// package (it lives under internal/auth, which cmd/ocserv-worker's
// dependency fence forbids). A build without cgo compiles, but every
// function fails with ErrNoNSS: it never falls back to reading the files
// itself, which would silently miss the NSS modules.
package nss

import "errors"

var (
	// ErrNotFound is returned when the database has no such entry.
	ErrNotFound = errors.New("nss: no such entry")
	// ErrNoNSS is returned by every lookup of a build without cgo.
	ErrNoNSS = errors.New("nss: this build of ocserv has no NSS support (built without cgo)")
	// ErrLimit is returned by Groups when the database holds more than
	// its Limit allows.
	ErrLimit = errors.New("nss: more groups than the limit")
)

// Limit bounds a group enumeration: at most Count names of together at
// most Bytes bytes (0: no bound).
type Limit struct {
	Count, Bytes int
}

// User is the part of a passwd entry ocserv uses.
type User struct {
	Name string
	UID  uint32
	GID  uint32
}

const (
	// maxBuf bounds the buffer a single entry may need (getpwnam_r and
	// friends answer ERANGE until the buffer is large enough); an entry
	// larger than this is an error, not an unbounded allocation. A
	// directory group's member list can be large (100000 members of 30
	// bytes need 3 MiB), so the bound is generous; the buffer is freed
	// after each lookup.
	maxBuf = 32 << 20
	// maxUserGroups bounds the groups of one user (getgrouplist), as the
	// kernel's NGROUPS_MAX does.
	maxUserGroups = 65536
)
