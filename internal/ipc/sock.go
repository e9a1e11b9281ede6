package ipc

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Socketpair returns the two ends of a connected AF_UNIX SOCK_STREAM pair,
// both close-on-exec. Hand one end to a child with Inherit (exec clears
// close-on-exec for ExtraFiles) and turn the other into a connection with
// FileConn.
func Socketpair() (a, b *os.File, err error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("ipc: socketpair: %w", err)
	}
	return os.NewFile(uintptr(fds[0]), "socketpair-a"), os.NewFile(uintptr(fds[1]), "socketpair-b"), nil
}

// SocketpairConns is Socketpair with both ends as connections (tests, and
// channels that stay inside one process).
func SocketpairConns() (a, b *net.UnixConn, err error) {
	fa, fb, err := Socketpair()
	if err != nil {
		return nil, nil, err
	}
	if a, err = FileConn(fa); err != nil {
		fb.Close()
		return nil, nil, err
	}
	if b, err = FileConn(fb); err != nil {
		a.Close()
		return nil, nil, err
	}
	return a, b, nil
}

// FileConn turns a Unix socket file into a connection driven by the Go
// runtime poller. It takes ownership of f (f is closed; the connection
// holds its own descriptor).
func FileConn(f *os.File) (*net.UnixConn, error) {
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("ipc: %s: %w", f.Name(), err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("ipc: %s is not a Unix socket", f.Name())
	}
	return uc, nil
}

// FDConn is FileConn for a raw descriptor (e.g. the cmd fd number from
// the worker's start-up message). It takes ownership of fd.
func FDConn(fd int, name string) (*net.UnixConn, error) {
	if fd < 0 {
		return nil, fmt.Errorf("ipc: %s: invalid descriptor %d", name, fd)
	}
	return FileConn(os.NewFile(uintptr(fd), name))
}

// Cred is a peer's SO_PEERCRED credentials.
type Cred struct {
	PID int32
	UID uint32
	GID uint32
}

// PeerCred returns the credentials of the process at the other end of c
// (as of connect / socketpair time).
func PeerCred(c *net.UnixConn) (Cred, error) {
	rc, err := c.SyscallConn()
	if err != nil {
		return Cred{}, fmt.Errorf("ipc: peer credentials: %w", err)
	}
	var uc *unix.Ucred
	var serr error
	if err := rc.Control(func(fd uintptr) {
		uc, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return Cred{}, fmt.Errorf("ipc: peer credentials: %w", err)
	}
	if serr != nil {
		return Cred{}, fmt.Errorf("ipc: peer credentials: %w", serr)
	}
	return Cred{PID: uc.Pid, UID: uc.Uid, GID: uc.Gid}, nil
}

// FDEnv is the environment variable through which Inherit tells a child
// which descriptor number each named file got: "name=3,other=4".
const FDEnv = "OCSERV_IPC_FDS"

// Inherit collects files to pass to an exec'd child through
// exec.Cmd.ExtraFiles, and publishes their descriptor numbers by name.
type Inherit struct {
	names []string
	files []*os.File
}

func validFDName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// Add registers f under name ([a-z0-9_-]+, unique).
func (h *Inherit) Add(name string, f *os.File) error {
	if !validFDName(name) {
		return fmt.Errorf("ipc: invalid inherited fd name %q", name)
	}
	for _, n := range h.names {
		if n == name {
			return fmt.Errorf("ipc: inherited fd name %q used twice", name)
		}
	}
	if f == nil {
		return fmt.Errorf("ipc: inherited fd %q: nil file", name)
	}
	h.names = append(h.names, name)
	h.files = append(h.files, f)
	return nil
}

// Apply appends the files to cmd.ExtraFiles and sets FDEnv in cmd.Env
// (starting from os.Environ() when cmd.Env is nil, replacing an earlier
// FDEnv entry). The child sees ExtraFiles[i] as descriptor 3+i. The caller
// still owns the files and should close its copies once the child started.
func (h *Inherit) Apply(cmd *exec.Cmd) {
	parts := make([]string, len(h.names))
	for i, name := range h.names {
		parts[i] = name + "=" + strconv.Itoa(3+len(cmd.ExtraFiles)+i)
	}
	cmd.ExtraFiles = append(cmd.ExtraFiles, h.files...)
	env := cmd.Env
	if env == nil {
		env = os.Environ()
	}
	out := make([]string, 0, len(env)+1)
	for _, kv := range env {
		if !strings.HasPrefix(kv, FDEnv+"=") {
			out = append(out, kv)
		}
	}
	cmd.Env = append(out, FDEnv+"="+strings.Join(parts, ","))
}

// ErrNotInherited is returned (wrapped) by InheritedFD when the name is
// not in FDEnv.
var ErrNotInherited = errors.New("ipc: descriptor not inherited")

// InheritedFD returns the descriptor number the parent published under
// name in FDEnv (see Inherit).
func InheritedFD(name string) (int, error) {
	return parseFDEnv(os.Getenv(FDEnv), name)
}

func parseFDEnv(v, name string) (int, error) {
	for _, part := range strings.Split(v, ",") {
		n, num, ok := strings.Cut(part, "=")
		if !ok || n != name {
			continue
		}
		fd, err := strconv.Atoi(num)
		if err != nil || fd < 3 {
			return -1, fmt.Errorf("ipc: %s: bad descriptor %q for %q", FDEnv, num, name)
		}
		return fd, nil
	}
	return -1, fmt.Errorf("%w: %q", ErrNotInherited, name)
}

// InheritedFile returns the inherited descriptor published under name as
// an *os.File, marked close-on-exec again.
func InheritedFile(name string) (*os.File, error) {
	fd, err := InheritedFD(name)
	if err != nil {
		return nil, err
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, unix.FD_CLOEXEC); err != nil {
		return nil, fmt.Errorf("ipc: inherited fd %q (%d): %w", name, fd, err)
	}
	return os.NewFile(uintptr(fd), name), nil
}
