package ipc

import (
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// MaxStartupSize bounds the base64 start-up message that main hands to
// sec-mod in its environment (EncodeStartup). Linux refuses a single
// environment string over 128 KiB (MAX_ARG_STRLEN).
const MaxStartupSize = 128*1024 - 64

// StartupFDName is the name (see Inherit) of the descriptor through which
// main hands a worker its start-up message: a sealed memfd holding the
// marshalled ipcpb.WorkerStartup. It is not in the environment, which any
// process of the same user may read through /proc/PID/environ while the
// worker is dumpable: the message carries the connection's auth-init HMAC
// and the configuration snapshot.
const StartupFDName = "startup"

// MaxStartupFileSize bounds the worker's start-up message in its memfd.
// The configuration snapshot and the public certificate chains dominate;
// the bound is far above any real configuration and keeps a bad
// descriptor from making the worker allocate without limit.
const MaxStartupFileSize = 4 << 20

// startupSeals are the seals a start-up memfd must carry: its content and
// size are fixed, and nobody can remove the seals.
const startupSeals = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE

// EncodeStartup returns the base64 form of m for an environment variable
// (sec-mod's start-up; workers use StartupFile).
func EncodeStartup(m proto.Message) (string, error) {
	b, err := proto.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("ipc: encoding start-up message: %w", err)
	}
	s := base64.StdEncoding.EncodeToString(b)
	if len(s) > MaxStartupSize {
		return "", fmt.Errorf("ipc: start-up message: %w (%d bytes encoded, limit %d)", ErrTooLarge, len(s), MaxStartupSize)
	}
	return s, nil
}

// DecodeStartup parses the base64 start-up message s into m.
func DecodeStartup(s string, m proto.Message) error {
	if len(s) > MaxStartupSize {
		return fmt.Errorf("ipc: start-up message: %w (%d bytes, limit %d)", ErrTooLarge, len(s), MaxStartupSize)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("ipc: start-up message: %w", err)
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("ipc: start-up message: %w", err)
	}
	return nil
}

// StartupFile marshals m into a new memfd, sealed against writing,
// growing and shrinking, with mode 0 so that it cannot be reopened
// through /proc/PID/fd by anyone but root: only a process holding the
// descriptor reads it. The file is close-on-exec; hand it to the worker
// with Inherit under StartupFDName and close it once the worker started.
func StartupFile(m proto.Message) (*os.File, error) {
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("ipc: encoding start-up message: %w", err)
	}
	if len(b) > MaxStartupFileSize {
		return nil, fmt.Errorf("ipc: start-up message: %w (%d bytes, limit %d)", ErrTooLarge, len(b), MaxStartupFileSize)
	}
	fd, err := unix.MemfdCreate("ocserv-worker-startup", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return nil, fmt.Errorf("ipc: start-up message: memfd_create: %w", err)
	}
	f := os.NewFile(uintptr(fd), "startup")
	if err := fillStartupFile(f, fd, b); err != nil {
		f.Close()
		return nil, fmt.Errorf("ipc: start-up message: %w", err)
	}
	return f, nil
}

// fillStartupFile writes b into the memfd, takes away every permission
// bit and seals it.
func fillStartupFile(f *os.File, fd int, b []byte) error {
	if err := unix.Fchmod(fd, 0); err != nil {
		return fmt.Errorf("fchmod: %w", err)
	}
	if _, err := f.Write(b); err != nil {
		return err
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, startupSeals); err != nil {
		return fmt.Errorf("sealing: %w", err)
	}
	return nil
}

// ReadStartupFile reads a start-up message written by StartupFile into m.
// It refuses a descriptor that is not a fully sealed file or is larger
// than MaxStartupFileSize, and reads from offset 0 whatever the file
// offset. It does not close f.
func ReadStartupFile(f *os.File, m proto.Message) error {
	b, err := startupBytes(f)
	if err != nil {
		return fmt.Errorf("ipc: start-up message: %w", err)
	}
	return UnmarshalStartup(b, m)
}

// UnmarshalStartup parses the raw start-up message b (the memfd's
// content) into m, bounded by MaxStartupFileSize.
func UnmarshalStartup(b []byte, m proto.Message) error {
	if len(b) > MaxStartupFileSize {
		return fmt.Errorf("ipc: start-up message: %w (%d bytes, limit %d)", ErrTooLarge, len(b), MaxStartupFileSize)
	}
	if len(b) == 0 {
		return errors.New("ipc: start-up message is empty")
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("ipc: start-up message: %w", err)
	}
	return nil
}

// startupBytes checks the seals and size of f and returns its content.
func startupBytes(f *os.File) ([]byte, error) {
	seals, err := unix.FcntlInt(f.Fd(), unix.F_GET_SEALS, 0)
	if err != nil {
		return nil, fmt.Errorf("descriptor %d is not a sealed memfd: %w", f.Fd(), err)
	}
	if seals&startupSeals != startupSeals {
		return nil, fmt.Errorf("descriptor %d is not sealed (seals %#x)", f.Fd(), seals)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return nil, fmt.Errorf("fstat: %w", err)
	}
	if st.Size > MaxStartupFileSize {
		return nil, fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, st.Size, MaxStartupFileSize)
	}
	b := make([]byte, st.Size)
	n, err := f.ReadAt(b, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("reading: %w", err)
	}
	return b[:n], nil
}

// WorkerStartup reads the worker's start-up message from the descriptor
// main published as StartupFDName and closes that descriptor, whatever
// the outcome. Like ocserv's worker it fails when the message is missing.
func WorkerStartup() (*ipcpb.WorkerStartup, error) {
	f, err := InheritedFile(StartupFDName)
	if err != nil {
		return nil, fmt.Errorf("ipc: no start-up message (the worker must be started by main): %w", err)
	}
	defer f.Close()
	m := &ipcpb.WorkerStartup{}
	if err := ReadStartupFile(f, m); err != nil {
		return nil, err
	}
	return m, nil
}
