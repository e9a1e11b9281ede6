package main

import (
	"errors"
	"io"
	"os"
	"strings"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// readPassword gets the new password. On a terminal it prompts twice like
// getpass(3); otherwise it takes the first line of stdin. msg is the error
// to print (exit 1) or "".
func readPassword(stdin *os.File) (pw string, msg string) {
	if term.IsTerminal(int(stdin.Fd())) {
		p1 := getpass(stdin, "Enter password: ")
		p2 := getpass(stdin, "Re-enter password: ")
		if cString(p1) != cString(p2) {
			return "", "Passwords do not match"
		}
		// An empty password is accepted here, as by ocpasswd.
		return p1, ""
	}
	line, n := readLine(stdin)
	if n == 0 {
		// Quirk kept from ocpasswd 1.1.6: end of file before any byte is
		// not caught there (getline's -1 is compared as an unsigned
		// length), so the hash of the empty password is written and the
		// exit code is 0.
		return "", ""
	}
	if n <= 1 {
		// An empty line, or a single byte without a newline.
		return "", "Please specify a password"
	}
	return strings.TrimSuffix(line, "\n"), ""
}

// cString cuts s at the first NUL, as C's strcmp/crypt see it.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// readLine reads up to and including the first '\n' (or to end of file),
// one byte at a time so nothing after the line is consumed. n is the
// number of bytes read.
func readLine(r io.Reader) (line string, n int) {
	var b strings.Builder
	var c [1]byte
	for {
		k, err := r.Read(c[:])
		if k == 1 {
			b.WriteByte(c[0])
			if c[0] == '\n' {
				break
			}
		}
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			break
		}
		if k == 0 {
			break
		}
	}
	return b.String(), b.Len()
}

// getpass mirrors glibc getpass(3): prompt and read on /dev/tty (stdin and
// stderr if it cannot be opened) with echo and signals off, input queued
// before the prompt discarded; the trailing newline is removed and echoed.
// End of file gives "".
func getpass(stdin *os.File, prompt string) string {
	in, out := stdin, io.Writer(os.Stderr)
	if tty, err := os.OpenFile("/dev/tty", os.O_RDWR|unix.O_NOCTTY, 0); err == nil {
		defer tty.Close()
		in, out = tty, tty
	}
	fd := int(in.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	changed := false
	if err == nil {
		t := *old
		t.Lflag &^= unix.ECHO | unix.ISIG
		if unix.IoctlSetTermios(fd, unix.TCSETSF, &t) == nil {
			changed = true
			defer unix.IoctlSetTermios(fd, unix.TCSETSF, old)
		}
	}
	io.WriteString(out, prompt)
	line, _ := readLine(in)
	if strings.HasSuffix(line, "\n") {
		line = line[:len(line)-1]
		if changed {
			io.WriteString(out, "\n")
		}
	}
	return line
}
