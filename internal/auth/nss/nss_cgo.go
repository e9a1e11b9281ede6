//go:build cgo

package nss

/*
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

static int nss_getgrent(struct group *g, char *buf, size_t len, struct group **res) {
	return getgrent_r(g, buf, len, res);
}
*/
import "C"

import (
	"fmt"
	"sync"
	"syscall"
	"unsafe"
)

// Available reports whether this build reads NSS (it needs cgo).
const Available = true

// grentMu serializes the group enumeration: setgrent/getgrent_r/endgrent
// share one stream per process.
var grentMu sync.Mutex

// cbuf is a C buffer that doubles on ERANGE up to maxBuf.
type cbuf struct {
	p *C.char
	n C.size_t
}

func newCbuf() *cbuf {
	b := &cbuf{n: 1024}
	b.p = (*C.char)(C.malloc(b.n))
	return b
}

// grow doubles the buffer; false when it would exceed maxBuf.
func (b *cbuf) grow() bool {
	if b.n*2 > maxBuf {
		return false
	}
	C.free(unsafe.Pointer(b.p))
	b.n *= 2
	b.p = (*C.char)(C.malloc(b.n))
	return true
}

func (b *cbuf) free() { C.free(unsafe.Pointer(b.p)) }

// answer is the error number of a get*_r call: its return value, or
// errno when it returned -1 (some NSS modules, e.g. nss_wrapper, answer
// -1 and set errno instead of returning the number).
func answer(rc C.int, errno error) C.int {
	if rc == -1 {
		if e, ok := errno.(syscall.Errno); ok && e != 0 {
			return C.int(e)
		}
	}
	return rc
}

// LookupUser returns the passwd entry of name (getpwnam_r).
func LookupUser(name string) (User, error) {
	if name == "" || !validName(name) {
		return User{}, ErrNotFound
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	b := newCbuf()
	defer b.free()
	for {
		var pw C.struct_passwd
		var res *C.struct_passwd
		rc, errno := C.getpwnam_r(cname, &pw, b.p, b.n, &res)
		rc = answer(rc, errno)
		switch {
		case rc == C.ERANGE:
			if !b.grow() {
				return User{}, fmt.Errorf("nss: passwd entry of %q: larger than %d bytes", name, maxBuf)
			}
			continue
		case rc != 0:
			return User{}, fmt.Errorf("nss: getpwnam_r(%q): %w", name, syscall.Errno(rc))
		case res == nil:
			return User{}, ErrNotFound
		}
		return User{Name: C.GoString(pw.pw_name), UID: uint32(pw.pw_uid), GID: uint32(pw.pw_gid)}, nil
	}
}

// LookupGroup returns the gid of group name (getgrnam_r).
func LookupGroup(name string) (uint32, error) {
	if name == "" || !validName(name) {
		return 0, ErrNotFound
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	b := newCbuf()
	defer b.free()
	for {
		var gr C.struct_group
		var res *C.struct_group
		rc, errno := C.getgrnam_r(cname, &gr, b.p, b.n, &res)
		rc = answer(rc, errno)
		switch {
		case rc == C.ERANGE:
			if !b.grow() {
				return 0, fmt.Errorf("nss: group entry of %q: larger than %d bytes", name, maxBuf)
			}
			continue
		case rc != 0:
			return 0, fmt.Errorf("nss: getgrnam_r(%q): %w", name, syscall.Errno(rc))
		case res == nil:
			return 0, ErrNotFound
		}
		return uint32(gr.gr_gid), nil
	}
}

// GroupName returns the name of group gid (getgrgid_r).
func GroupName(gid uint32) (string, error) {
	b := newCbuf()
	defer b.free()
	for {
		var gr C.struct_group
		var res *C.struct_group
		rc, errno := C.getgrgid_r(C.gid_t(gid), &gr, b.p, b.n, &res)
		rc = answer(rc, errno)
		switch {
		case rc == C.ERANGE:
			if !b.grow() {
				return "", fmt.Errorf("nss: group entry %d: larger than %d bytes", gid, maxBuf)
			}
			continue
		case rc != 0:
			return "", fmt.Errorf("nss: getgrgid_r(%d): %w", gid, syscall.Errno(rc))
		case res == nil:
			return "", ErrNotFound
		}
		return C.GoString(gr.gr_name), nil
	}
}

// UserGroups returns the gids of user's groups (getgrouplist): gid (the
// user's primary group) and every group listing user as a member.
func UserGroups(user string, gid uint32) ([]uint32, error) {
	if user == "" || !validName(user) {
		return nil, ErrNotFound
	}
	cuser := C.CString(user)
	defer C.free(unsafe.Pointer(cuser))
	n := C.int(64)
	for {
		buf := (*C.gid_t)(C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(C.gid_t(0)))))
		got := n
		rc := C.getgrouplist(cuser, C.gid_t(gid), buf, &got)
		if rc >= 0 {
			out := make([]uint32, 0, int(got))
			for _, g := range unsafe.Slice(buf, int(got)) {
				out = append(out, uint32(g))
			}
			C.free(unsafe.Pointer(buf))
			return out, nil
		}
		C.free(unsafe.Pointer(buf))
		// got holds the needed size; insist on growth so a lying
		// module cannot loop us forever.
		if got <= n {
			got = n * 2
		}
		if got > maxUserGroups {
			return nil, fmt.Errorf("nss: %q is in more than %d groups", user, maxUserGroups)
		}
		n = got
	}
}

// Groups enumerates the group database (setgrent, getgrent_r, endgrent)
// and returns, in enumeration order, the names of the groups whose gid is
// >= gidMin. Names that are not valid UTF-8 or contain control characters
// are skipped: they could not travel in the worker's start-up message nor
// appear in a login form. The list holds at most lim.Count names of
// together at most lim.Bytes bytes (0: no limit); the enumeration stops
// at the first name beyond either, with ErrLimit and the names so far.
func Groups(gidMin uint32, lim Limit) ([]string, error) {
	grentMu.Lock()
	defer grentMu.Unlock()
	C.setgrent()
	defer C.endgrent()
	b := newCbuf()
	defer b.free()
	var out []string
	size := 0
	for {
		var gr C.struct_group
		var res *C.struct_group
		rc, errno := C.nss_getgrent(&gr, b.p, b.n, &res)
		rc = answer(rc, errno)
		switch {
		case rc == C.ERANGE:
			// Not every NSS module keeps its position on ERANGE
			// (nss_wrapper skips the entry): start over with the
			// larger buffer.
			if !b.grow() {
				return out, fmt.Errorf("nss: a group entry is larger than %d bytes", maxBuf)
			}
			C.setgrent()
			out, size = out[:0], 0
			continue
		case rc == C.ENOENT || (rc == 0 && res == nil):
			return out, nil
		case rc != 0:
			return out, fmt.Errorf("nss: getgrent_r: %w", syscall.Errno(rc))
		}
		if uint32(gr.gr_gid) < gidMin {
			continue
		}
		name := C.GoString(gr.gr_name)
		if name == "" || !validName(name) {
			continue
		}
		if (lim.Count > 0 && len(out) >= lim.Count) || (lim.Bytes > 0 && size+len(name) > lim.Bytes) {
			return out, ErrLimit
		}
		out = append(out, name)
		size += len(name)
	}
}
