package passwd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
)

const (
	// MaxGroups is the largest number of groups kept per user (and in the
	// AllGroups result). ocserv's MAX_GROUPS is 32 in the 1.1.2-49
	// snapshot this mirrors; the 1.1.6 changelog mentions 128 for sec-mod,
	// which is not verified for the plain parser.
	MaxGroups = 32

	// lineMax is how many bytes ocserv reads per fgets call: the buffer is
	// 512 bytes and fgets is given 511, so at most 510 bytes plus the NUL.
	// Longer lines are split and each piece is parsed as its own line.
	lineMax = 510

	// hashMax is the longest hash ocserv keeps (strlcpy into 128 bytes).
	hashMax = 127
)

// Entry is the account line that matched a username.
type Entry struct {
	Username string
	// Groups as ocserv keeps them (see ParseGroups). Entries may be empty
	// strings; an empty first entry means the session gets no group.
	Groups []string
	// Hash is the third field (at most 127 bytes), including a leading '!'
	// for a locked account.
	Hash string
	// Locked is true when Hash starts with '!': such a hash never matches.
	Locked bool
	// NoPassword is true when Hash is empty: ocserv asks no password at all
	// for this user (only the OTP if an OTP file is configured). Verify
	// returns false for an empty hash; the caller must handle this case.
	NoPassword bool
}

// DefaultGroup is the group used when the client selects none: the first
// group, or "" (no group).
func (e *Entry) DefaultGroup() string {
	if len(e.Groups) == 0 {
		return ""
	}
	return e.Groups[0]
}

// HasGroup reports whether name is one of the user's groups (byte-exact).
func (e *Entry) HasGroup(name string) bool {
	for _, g := range e.Groups {
		if g == name {
			return true
		}
	}
	return false
}

// lineReader splits a file the way ocserv's fgets loop does.
type lineReader struct {
	br  *bufio.Reader
	buf []byte
}

// next returns the next line with the C string and line-end rules applied:
// at most lineMax bytes or up to and including '\n'; cut at the first NUL;
// lines of <= 4 bytes are reported as skip=true; one trailing '\n' and then
// one '\r' removed.
func (r *lineReader) next() (line []byte, skip bool, err error) {
	r.buf = r.buf[:0]
	for len(r.buf) < lineMax {
		c, err := r.br.ReadByte()
		if err != nil {
			if len(r.buf) > 0 && errors.Is(err, io.EOF) {
				break
			}
			return nil, false, err
		}
		r.buf = append(r.buf, c)
		if c == '\n' {
			break
		}
	}
	l := r.buf
	if i := bytes.IndexByte(l, 0); i >= 0 {
		l = l[:i]
	}
	if len(l) <= 4 {
		return nil, true, nil
	}
	if l[len(l)-1] == '\n' {
		l = l[:len(l)-1]
	}
	if l[len(l)-1] == '\r' {
		l = l[:len(l)-1]
	}
	return l, false, nil
}

// strsep returns the text before the first ':' and the rest after it;
// ok is false when there is no ':' (the whole text is the last field).
func strsep(s []byte) (field, rest []byte, ok bool) {
	if i := bytes.IndexByte(s, ':'); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, nil, false
}

func openFile(path string) (*os.File, *lineReader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("cannot open: %s: %w", path, err)
	}
	return f, &lineReader{br: bufio.NewReader(f), buf: make([]byte, 0, lineMax)}, nil
}

// Lookup reads the password file at path (every call re-reads it, as ocserv
// does at every login) and returns the first usable line for username.
// found is false when no line matched; ocserv then still asks for a password
// and fails, which is the caller's business. A file that cannot be opened or
// read is an error naming the file.
//
// The username is compared byte-exact with the first field. ocserv copies
// the login name into a 64-byte buffer first; that truncation is the
// caller's job. A matching line without a third field is ignored.
func Lookup(path, username string) (e Entry, found bool, err error) {
	f, lr, err := openFile(path)
	if err != nil {
		return Entry{}, false, err
	}
	defer f.Close()
	for {
		line, skip, err := lr.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Entry{}, false, nil
			}
			return Entry{}, false, fmt.Errorf("reading %s: %w", path, err)
		}
		if skip {
			continue
		}
		name, rest, ok := strsep(line)
		if string(name) != username || !ok {
			continue
		}
		groups, rest, ok := strsep(rest)
		if !ok {
			continue
		}
		hash, _, _ := strsep(rest)
		if len(hash) > hashMax {
			hash = hash[:hashMax]
		}
		h := string(hash)
		return Entry{
			Username:   username,
			Groups:     ParseGroups(string(groups)),
			Hash:       h,
			Locked:     len(h) > 0 && h[0] == '!',
			NoPassword: h == "",
		}, true, nil
	}
}

// AllGroups returns the union of the group names longer than one byte found
// in the second field of every line of the file (ocserv's group list for
// auto-select-group), without duplicates, at most MaxGroups. The order is
// file order; ocserv's is the iteration order of a hash table, i.e.
// unspecified.
func AllGroups(path string) ([]string, error) {
	f, lr, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	seen := map[string]bool{}
	for {
		line, skip, err := lr.next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return out, nil
			}
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		if skip {
			continue
		}
		_, rest, ok := strsep(line)
		if !ok {
			continue
		}
		groups, _, _ := strsep(rest)
		for _, g := range ParseGroups(string(groups)) {
			if len(g) > 1 && !seen[g] && len(out) < MaxGroups {
				seen[g] = true
				out = append(out, g)
			}
		}
	}
}

// isSpace is C's isspace in the C locale.
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// ParseGroups splits the groups field the way ocserv's plain module does:
//   - entries are separated by ',';
//   - whitespace before a ',' is removed and whitespace after it skipped,
//     but leading whitespace of the first entry is kept;
//   - an entry that is not the last is dropped when its raw length (before
//     trailing whitespace is removed) is exactly 1;
//   - the last entry is cut at its last ' ' (and whitespace before that
//     space removed), then dropped when it is exactly 1 byte long;
//   - empty entries are kept (an empty field yields one empty entry);
//   - at most MaxGroups entries are kept.
func ParseGroups(field string) []string {
	b := field
	var out []string
	start := 0
	for {
		comma := indexByteFrom(b, ',', start)
		if comma < 0 {
			elem := b[start:]
			if sp := lastIndexByte(elem, ' '); sp >= 0 {
				e := start + sp
				for e > start && isSpace(b[e-1]) {
					e--
				}
				elem = b[start:e]
			}
			if len(elem) != 1 {
				out = append(out, elem)
			}
			return out
		}
		rawLen := comma - start
		e := comma
		for e > start && isSpace(b[e-1]) {
			e--
		}
		elem := b[start:e]
		next := comma + 1
		for next < len(b) && isSpace(b[next]) {
			next++
		}
		if rawLen != 1 {
			out = append(out, elem)
		}
		start = next
		if len(out) >= MaxGroups {
			return out
		}
	}
}

func indexByteFrom(s string, c byte, from int) int {
	for i := from; i < len(s); i++ {
		if s[i] == c {
			return i
		}
	}
	return -1
}

func lastIndexByte(s string, c byte) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == c {
			return i
		}
	}
	return -1
}
