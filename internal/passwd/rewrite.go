package passwd

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Op is what Rewrite does to the user's line(s).
type Op int

const (
	// OpSet replaces every line of the user with USER:GROUPS:HASH (in
	// place) or appends that line when there is none. A missing file is
	// created.
	OpSet Op = iota
	// OpDelete removes every line of the user.
	OpDelete
	// OpLock puts '!' in front of the hash field unless already there.
	OpLock
	// OpUnlock removes one leading '!' from the hash field.
	OpUnlock
)

// Edit describes one ocpasswd change.
type Edit struct {
	Op       Op
	Username string
	Groups   string // OpSet only, written verbatim
	Hash     string // OpSet only
}

// Errors returned by Rewrite (wrapped; test with errors.Is). ocpasswd maps
// each to its message.
var (
	// ErrLocked: FILE.tmp already exists ("file 'FILE' is locked.").
	ErrLocked = errors.New("password file is locked")
	// ErrOpenRead: FILE cannot be opened for -d/-l/-u
	// ("Cannot open 'FILE' for reading.").
	ErrOpenRead = errors.New("cannot open for reading")
	// ErrOpenWrite: FILE.tmp cannot be created or written
	// ("Cannot open 'FILE.tmp' for writing.").
	ErrOpenWrite = errors.New("cannot open for writing")
	// ErrRename: FILE.tmp cannot be renamed over FILE
	// ("Cannot write to 'FILE'.").
	ErrRename = errors.New("cannot write")
)

// TempPath is the lock/temporary file Rewrite uses for path.
func TempPath(path string) string { return path + ".tmp" }

// Rewrite applies e to the password file at path the way ocpasswd does:
//   - FILE.tmp is created exclusively with mode 0600 (ocpasswd's umask 066);
//     if it exists the file is "locked" (ErrLocked);
//   - FILE is copied line by line into it; lines that contain no ':' (before
//     any NUL byte) are dropped; a line belongs to the user when the text
//     before its first ':' equals the username;
//   - FILE.tmp is renamed over FILE, so the result is always mode 0600 and
//     owned by the caller.
//
// Lines are copied byte for byte, so a last line without '\n' stays without
// one, and an appended entry is glued to it, as with ocpasswd. For OpLock and
// OpUnlock a user line with no second ':' is dropped, as ocpasswd does.
// FILE.tmp is removed on any failure (ocpasswd leaves it behind).
//
// Only a missing FILE is treated as empty for OpSet; ocpasswd treats any
// open failure that way (and would then overwrite an unreadable file), we
// report ErrOpenRead instead.
func Rewrite(path string, e Edit) (err error) {
	tmp := TempPath(path)
	if _, serr := os.Lstat(tmp); serr == nil {
		return fmt.Errorf("%w: %s exists", ErrLocked, tmp)
	}

	var in *os.File
	if e.Op != OpSet {
		in, err = os.Open(path)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrOpenRead, path, err)
		}
	} else {
		in, err = os.Open(path)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("%w: %s: %v", ErrOpenRead, path, err)
			}
			in = nil
		}
	}
	if in != nil {
		defer in.Close()
	}

	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%w: %s exists", ErrLocked, tmp)
		}
		return fmt.Errorf("%w: %s: %v", ErrOpenWrite, tmp, err)
	}
	done := false
	defer func() {
		if !done {
			out.Close()
			os.Remove(tmp)
		}
	}()
	// O_CREATE honours the umask; ocpasswd forces 066, so make sure.
	if err := out.Chmod(0o600); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrOpenWrite, tmp, err)
	}

	w := bufio.NewWriter(out)
	var src io.Reader // stays nil (no lines) when FILE does not exist
	if in != nil {
		src = in
	}
	if err := copyEdited(w, src, e); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrOpenWrite, tmp, err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrOpenWrite, tmp, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		done = true
		os.Remove(tmp)
		return fmt.Errorf("%w: %s: %v", ErrRename, path, err)
	}
	done = true
	return nil
}

// copyEdited streams in (nil = no file) to w applying e.
func copyEdited(w *bufio.Writer, in io.Reader, e Edit) error {
	newLine := e.Username + ":" + e.Groups + ":" + e.Hash + "\n"
	found := false
	if in != nil {
		br := bufio.NewReader(in)
		for {
			line, rerr := br.ReadBytes('\n')
			if len(line) > 0 {
				if err := editLine(w, line, e, newLine, &found); err != nil {
					return err
				}
			}
			if rerr != nil {
				if errors.Is(rerr, io.EOF) {
					break
				}
				return fmt.Errorf("%w: reading: %v", ErrOpenRead, rerr)
			}
		}
	}
	if e.Op == OpSet && !found {
		if _, err := w.WriteString(newLine); err != nil {
			return fmt.Errorf("%w: %v", ErrOpenWrite, err)
		}
	}
	return nil
}

// cIndex is strchr: the index of c in s before the first NUL, or -1.
func cIndex(s []byte, c byte) int {
	for i, b := range s {
		if b == c {
			return i
		}
		if b == 0 {
			return -1
		}
	}
	return -1
}

func editLine(w *bufio.Writer, line []byte, e Edit, newLine string, found *bool) error {
	colon := cIndex(line, ':')
	if colon < 0 {
		return nil // ocpasswd drops lines without ':'
	}
	var err error
	if !bytes.Equal(line[:colon], []byte(e.Username)) {
		_, err = w.Write(line)
	} else {
		switch e.Op {
		case OpSet:
			*found = true
			_, err = w.WriteString(newLine)
		case OpDelete:
		case OpLock, OpUnlock:
			c2 := cIndex(line[colon+1:], ':')
			if c2 < 0 {
				return nil // dropped, as ocpasswd does
			}
			head, tail := line[:colon+1+c2+1], line[colon+1+c2+1:]
			w.Write(head)
			hasBang := len(tail) > 0 && tail[0] == '!'
			if e.Op == OpLock && !hasBang {
				w.WriteByte('!')
			}
			if e.Op == OpUnlock && hasBang {
				tail = tail[1:]
			}
			_, err = w.Write(tail)
		}
	}
	if err != nil {
		return fmt.Errorf("%w: %v", ErrOpenWrite, err)
	}
	return nil
}
