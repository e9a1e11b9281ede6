// Package otpfile reads, checks and updates liboath's OTP "users file", the
// file behind auth = "plain[otp=FILE]" (ocpasswd.md §3).
//
// Process: sec-mod only. It reads the users file, and on a successful
// check rewrites it: the new contents go to FILE.new (same mode and owner)
// which is renamed over FILE while FILE.lock is held with a POSIX write
// lock, the same names liboath uses, so a liboath program sharing the file
// is serialised with us. Nothing else is touched.
//
// One token per line, whitespace separated:
//
//	TYPE USERNAME PIN SECRET_HEX [COUNTER [LAST_OTP [TIMESTAMP]]]
//
// TYPE is HOTP with optional "/E" (event, the default) or "/Tnn" (time
// step in seconds) and an optional trailing "/D" digit count (6 to 8,
// default 6). Lines starting with '#' and blank lines are kept as they
// are. The PIN is not checked: ocserv passes no password to liboath.
//
// The check follows liboath's oath_authenticate_usersfile: an OTP equal to
// LAST_OTP is a replay; HOTP codes are searched from COUNTER on within the
// window and COUNTER becomes the matched position (so the code just used
// is only refused through LAST_OTP, as liboath does); TOTP codes are
// searched within ±window steps of now, and one at or before the step of
// LAST_OTP is a replay; after success LAST_OTP and TIMESTAMP (local time,
// "2006-01-02T15:04:05L") are written back.
package otpfile

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Errors of Authenticate (liboath's names in the comments).
var (
	ErrUnknownUser = errors.New("otp: unknown user")         // OATH_UNKNOWN_USER
	ErrInvalidOTP  = errors.New("otp: invalid OTP")          // OATH_INVALID_OTP
	ErrReplayedOTP = errors.New("otp: replayed OTP")         // OATH_REPLAYED_OTP
	ErrBadLine     = errors.New("otp: malformed users line") // parse errors
)

// Window is the search window ocserv passes to liboath (HOTP_WINDOW).
const Window = 20

// TimestampLayout is how liboath writes TIMESTAMP (local time).
const TimestampLayout = "2006-01-02T15:04:05L"

// Token is one line of the users file.
type Token struct {
	Type     string // as written, e.g. "HOTP/T30/6"
	TimeStep int    // seconds; 0 = HOTP (event based)
	Digits   int    // 6..8
	User     string
	PIN      string
	Secret   []byte
	Counter  uint64
	LastOTP  string // "" when never used
	LastTime string // TIMESTAMP as written, "" when absent
}

// ParseType parses the TYPE field.
func ParseType(s string) (timeStep, digits int, err error) {
	parts := strings.Split(s, "/")
	if parts[0] != "HOTP" || len(parts) > 3 {
		return 0, 0, fmt.Errorf("%w: unsupported type %q", ErrBadLine, s)
	}
	digits = 6
	rest := parts[1:]
	if len(rest) > 0 {
		p := rest[0]
		switch {
		case p == "E":
			rest = rest[1:]
		case len(p) > 1 && p[0] == 'T':
			n, err := strconv.Atoi(p[1:])
			if err != nil || n <= 0 || n > 86400 {
				return 0, 0, fmt.Errorf("%w: bad time step in %q", ErrBadLine, s)
			}
			timeStep = n
			rest = rest[1:]
		}
	}
	if len(rest) > 0 {
		n, err := strconv.Atoi(rest[0])
		if err != nil || n < 6 || n > 8 || len(rest) > 1 {
			return 0, 0, fmt.Errorf("%w: bad digits in %q", ErrBadLine, s)
		}
		digits = n
	}
	return timeStep, digits, nil
}

// ParseLine parses one token line (not a comment or blank line).
func ParseLine(line string) (Token, error) {
	f := strings.Fields(line)
	if len(f) < 4 || len(f) > 7 {
		return Token{}, fmt.Errorf("%w: %d fields", ErrBadLine, len(f))
	}
	var t Token
	var err error
	t.Type = f[0]
	if t.TimeStep, t.Digits, err = ParseType(f[0]); err != nil {
		return Token{}, err
	}
	t.User, t.PIN = f[1], f[2]
	if t.Secret, err = hex.DecodeString(f[3]); err != nil {
		return Token{}, fmt.Errorf("%w: secret is not hex", ErrBadLine)
	}
	if len(f) > 4 {
		if t.Counter, err = strconv.ParseUint(f[4], 10, 64); err != nil {
			return Token{}, fmt.Errorf("%w: bad counter %q", ErrBadLine, f[4])
		}
	}
	if len(f) > 5 {
		t.LastOTP = f[5]
	}
	if len(f) > 6 {
		t.LastTime = f[6]
	}
	return t, nil
}

// Format writes t as liboath does (tab separated).
func (t Token) Format() string {
	s := fmt.Sprintf("%s\t%s\t%s\t%s\t%d", t.Type, t.User, t.PIN, hex.EncodeToString(t.Secret), t.Counter)
	if t.LastOTP != "" {
		s += "\t" + t.LastOTP
		if t.LastTime != "" {
			s += "\t" + t.LastTime
		}
	}
	return s
}

// HOTP is RFC 4226's HOTP(secret, counter) with digits digits.
func HOTP(secret []byte, counter uint64, digits int) string {
	m := hmac.New(sha1.New, secret)
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], counter)
	m.Write(c[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	mod := uint32(1)
	for i := 0; i < digits; i++ {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// TOTP is RFC 6238's TOTP at time now with the given step (T0 = 0).
func TOTP(secret []byte, now time.Time, step, digits int) string {
	return HOTP(secret, uint64(now.Unix())/uint64(step), digits)
}

// check validates otp against t at time now. It returns the updated token.
func (t Token) check(otp string, window int, now time.Time) (Token, error) {
	if len(otp) != t.Digits {
		return t, ErrInvalidOTP
	}
	if t.LastOTP != "" && hmac.Equal([]byte(t.LastOTP), []byte(otp)) {
		return t, ErrReplayedOTP
	}
	if t.TimeStep == 0 {
		for i := 0; i <= window; i++ {
			if hmac.Equal([]byte(HOTP(t.Secret, t.Counter+uint64(i), t.Digits)), []byte(otp)) {
				t.Counter += uint64(i)
				t.LastOTP = otp
				t.LastTime = now.Local().Format(TimestampLayout)
				return t, nil
			}
		}
		return t, ErrInvalidOTP
	}
	cur := now.Unix() / int64(t.TimeStep)
	pos, ok := t.findStep(otp, cur, window)
	if !ok {
		return t, ErrInvalidOTP
	}
	if t.LastOTP != "" {
		if prev, ok := t.findStep(t.LastOTP, cur, window); ok && prev >= pos {
			return t, ErrReplayedOTP
		}
	}
	t.LastOTP = otp
	t.LastTime = now.Local().Format(TimestampLayout)
	return t, nil
}

// findStep returns the time step within ±window of cur whose code is otp.
func (t Token) findStep(otp string, cur int64, window int) (int64, bool) {
	for i := 0; i <= window; i++ {
		for _, s := range []int64{cur + int64(i), cur - int64(i)} {
			if s < 0 {
				continue
			}
			if hmac.Equal([]byte(HOTP(t.Secret, uint64(s), t.Digits)), []byte(otp)) {
				return s, true
			}
			if i == 0 {
				break
			}
		}
	}
	return 0, false
}

// HasUser reports whether path has a token for user.
func HasUser(path, user string) (bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return false, fmt.Errorf("otp: %w", err)
	}
	for _, l := range splitLines(data) {
		if t, err := ParseLine(l); err == nil && t.User == user {
			return true, nil
		}
	}
	return false, nil
}

func splitLines(data []byte) []string {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

func isComment(l string) bool {
	s := strings.TrimSpace(l)
	return s == "" || s[0] == '#'
}

// Authenticate checks otp for user against the users file at path at time
// now, and on success writes the updated counter, last OTP and time back.
// Every line of the user is tried in order (liboath does the same); the
// first that accepts the OTP is updated.
func Authenticate(path, user, otp string, window int, now time.Time) error {
	lock, err := lockFile(path + ".lock")
	if err != nil {
		return err
	}
	defer func() {
		os.Remove(path + ".lock")
		lock.Close()
	}()
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("otp: %w", err)
	}
	lines := splitLines(data)
	found, lastErr := false, ErrUnknownUser
	for i, l := range lines {
		if isComment(l) {
			continue
		}
		t, err := ParseLine(l)
		if err != nil || t.User != user {
			continue
		}
		found = true
		nt, err := t.check(otp, window, now)
		if err != nil {
			lastErr = err
			if errors.Is(err, ErrReplayedOTP) {
				return err
			}
			continue
		}
		lines[i] = nt.Format()
		return writeBack(path, lines)
	}
	if !found {
		return ErrUnknownUser
	}
	return lastErr
}

func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("otp: lock: %w", err)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: 0}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk)
		if err == nil {
			return f, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("otp: lock %s: %w", path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// writeBack replaces path with lines through path.new, keeping the mode
// and owner.
func writeBack(path string, lines []string) error {
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("otp: %w", err)
	}
	tmp := path + ".new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, st.Mode().Perm())
	if err != nil {
		return fmt.Errorf("otp: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if sys, isSys := st.Sys().(*unix.Stat_t); isSys {
		_ = f.Chown(int(sys.Uid), int(sys.Gid))
	}
	_ = f.Chmod(st.Mode().Perm())
	w := bufio.NewWriter(f)
	for _, l := range lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("otp: write %s: %w", tmp, err)
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("otp: sync %s: %w", tmp, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("otp: close %s: %w", tmp, err)
	}
	ok = true
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("otp: rename: %w", err)
	}
	return nil
}
