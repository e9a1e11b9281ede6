package ipc

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"
)

// maxRecvFDs is how many descriptors the control buffer has room for. A
// frame may carry one; more are closed and refused.
const maxRecvFDs = 8

// Frame is one received message.
type Frame struct {
	Cmd  Cmd
	Body []byte
	// FD is the descriptor that came with the frame, or -1. The receiver
	// owns it: use File, or Close the frame when it is not wanted.
	FD int
}

// Close closes the frame's descriptor, if any. It is safe to call twice.
func (f *Frame) Close() error {
	if f.FD < 0 {
		return nil
	}
	err := unix.Close(f.FD)
	f.FD = -1
	return err
}

// File hands the frame's descriptor over as an *os.File (nil when the
// frame has none); the frame no longer owns it.
func (f *Frame) File(name string) *os.File {
	if f.FD < 0 {
		return nil
	}
	file := os.NewFile(uintptr(f.FD), name)
	f.FD = -1
	return file
}

// Unmarshal decodes the body into m.
func (f *Frame) Unmarshal(m proto.Message) error {
	if err := proto.Unmarshal(f.Body, m); err != nil {
		return fmt.Errorf("ipc: decoding %s body: %w", f.Cmd, err)
	}
	return nil
}

// Send marshals msg (nil = empty body) and writes it as one frame with
// command cmd; fd >= 0 is passed along with SCM_RIGHTS (the caller keeps
// its own copy and closes it when done). Send uses the connection's
// current write deadline.
func Send(c *net.UnixConn, cmd Cmd, msg proto.Message, fd int) error {
	var body []byte
	if msg != nil {
		var err error
		body, err = proto.Marshal(msg)
		if err != nil {
			return fmt.Errorf("ipc: encoding %s: %w", cmd, err)
		}
	}
	return SendBytes(c, cmd, body, fd)
}

// SendBytes is Send with a body that is already encoded.
//
// The frame is written under the connection's write lock from its first
// byte to its last (writeFrame), so frames sent by several goroutines on
// one connection never interleave. A peer that does not drain its socket
// blocks the sender only until the connection's write deadline.
func SendBytes(c *net.UnixConn, cmd Cmd, body []byte, fd int) error {
	if uint64(len(body)) > math.MaxUint32 {
		return fmt.Errorf("ipc: sending %s: %w (%d bytes)", cmd, ErrTooLarge, len(body))
	}
	buf := AppendFrame(make([]byte, 0, HeaderLen+len(body)), cmd, body)
	if err := writeFrame(c, buf, fd); err != nil {
		return fmt.Errorf("ipc: sending %s: %w", cmd, err)
	}
	return nil
}

// writeFrame writes buf, with fd (if >= 0) attached to its first byte,
// by sendmsg calls made while holding the connection's write lock
// (syscall.RawConn.Write): a stream socket may take part of the frame,
// the rest follows before any other writer of c gets a turn. Waiting for
// room honours the connection's write deadline.
func writeFrame(c *net.UnixConn, buf []byte, fd int) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var oob []byte
	if fd >= 0 {
		oob = unix.UnixRights(fd)
	}
	var serr error
	werr := rc.Write(func(s uintptr) bool {
		for len(buf) > 0 {
			n, err := unix.SendmsgN(int(s), buf, oob, nil, unix.MSG_NOSIGNAL|unix.MSG_DONTWAIT)
			if err == unix.EINTR {
				continue
			}
			if err == unix.EAGAIN {
				return false // wait until writable (or the deadline)
			}
			if err != nil {
				serr = err
				return true
			}
			if n == 0 {
				return false
			}
			buf, oob = buf[n:], nil // the descriptor went with the first byte
		}
		return true
	})
	if werr != nil {
		return werr
	}
	return serr
}

// Recv reads one frame whose body may be at most max bytes.
//
// With timeout > 0 the whole frame must arrive within timeout. With
// timeout 0 Recv waits for the header as long as needed (an event loop's
// blocking read) and then gives the body BodyTimeout. Recv owns the read
// deadline: it is cleared on return.
//
// A peer that closes the connection before sending anything yields io.EOF;
// one that closes inside a frame yields ErrTruncated. A body over max is
// refused with ErrTooLarge before anything is allocated; the stream is then
// out of sync and the connection should be closed. Unexpected descriptors
// (more than one, or a truncated control message) are closed and refused.
func Recv(c *net.UnixConn, max int, timeout time.Duration) (Frame, error) {
	f := Frame{FD: -1}
	if timeout > 0 {
		if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
			return f, fmt.Errorf("ipc: setting deadline: %w", err)
		}
	} else if err := c.SetReadDeadline(time.Time{}); err != nil {
		return f, fmt.Errorf("ipc: setting deadline: %w", err)
	}
	defer c.SetReadDeadline(time.Time{})

	var hdr [HeaderLen]byte
	if err := readHeader(c, hdr[:], &f); err != nil {
		f.Close()
		return f, err
	}
	cmd, l := ParseHeader(hdr[:])
	f.Cmd = cmd
	if uint64(l) > uint64(max) {
		f.Close()
		return f, fmt.Errorf("%w: %s announces %d bytes, limit %d", ErrTooLarge, cmd, l, max)
	}
	if l == 0 {
		return f, nil
	}
	if timeout <= 0 {
		if err := c.SetReadDeadline(time.Now().Add(BodyTimeout)); err != nil {
			f.Close()
			return f, fmt.Errorf("ipc: setting deadline: %w", err)
		}
	}
	// Body bytes are read without a control buffer: should a peer attach
	// descriptors to them, the kernel closes those.
	f.Body = make([]byte, l)
	if n, err := io.ReadFull(c, f.Body); err != nil {
		f.Close()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return f, fmt.Errorf("%w: %s body: got %d of %d bytes", ErrTruncated, cmd, n, l)
		}
		return f, fmt.Errorf("ipc: reading %s body: %w", cmd, err)
	}
	return f, nil
}

// readHeader fills hdr with recvmsg calls and collects the descriptor that
// came with it into f.FD.
func readHeader(c *net.UnixConn, hdr []byte, f *Frame) error {
	oob := make([]byte, unix.CmsgSpace(4*maxRecvFDs))
	got := 0
	for got < len(hdr) {
		n, oobn, flags, _, err := c.ReadMsgUnix(hdr[got:], oob)
		if oobn > 0 {
			if ferr := takeRights(oob[:oobn], f); ferr != nil {
				return ferr
			}
		}
		if flags&unix.MSG_CTRUNC != 0 {
			return errors.New("ipc: control message truncated (too many descriptors)")
		}
		got += n
		if err != nil || n == 0 {
			if got == 0 && (err == nil || errors.Is(err, io.EOF)) {
				return io.EOF
			}
			if err == nil || errors.Is(err, io.EOF) {
				return fmt.Errorf("%w: %d header bytes", ErrTruncated, got)
			}
			return fmt.Errorf("ipc: reading header: %w", err)
		}
	}
	return nil
}

// takeRights extracts SCM_RIGHTS descriptors from a control buffer. The
// first becomes f.FD; any further one is closed and reported.
func takeRights(oob []byte, f *Frame) error {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return fmt.Errorf("ipc: parsing control message: %w", err)
	}
	extra := 0
	for i := range msgs {
		if msgs[i].Header.Level != unix.SOL_SOCKET || msgs[i].Header.Type != unix.SCM_RIGHTS {
			continue
		}
		fds, err := unix.ParseUnixRights(&msgs[i])
		if err != nil {
			return fmt.Errorf("ipc: parsing SCM_RIGHTS: %w", err)
		}
		for _, fd := range fds {
			if f.FD < 0 {
				f.FD = fd
				continue
			}
			unix.Close(fd)
			extra++
		}
	}
	if extra > 0 {
		return fmt.Errorf("ipc: frame carried %d descriptors, expected at most one", extra+1)
	}
	return nil
}

// Call sends req with command cmd, waits for a reply with command want and
// decodes it into reply (nil: the reply must have no body), all within
// timeout. No descriptors are sent; a reply descriptor is closed. This is
// the main <-> sec-mod sync-channel pattern.
func Call(c *net.UnixConn, cmd Cmd, req proto.Message, want Cmd, reply proto.Message, timeout time.Duration) error {
	if timeout <= 0 {
		return fmt.Errorf("ipc: %s: Call needs a timeout", cmd)
	}
	if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("ipc: setting deadline: %w", err)
	}
	err := Send(c, cmd, req, -1)
	c.SetWriteDeadline(time.Time{})
	if err != nil {
		return err
	}
	f, err := Recv(c, MaxMsgSize, timeout)
	if err != nil {
		return fmt.Errorf("ipc: waiting for %s: %w", want, err)
	}
	f.Close()
	return decodeReply(&f, want, reply)
}

func decodeReply(f *Frame, want Cmd, reply proto.Message) error {
	if f.Cmd != want {
		return fmt.Errorf("ipc: expected %s, got %s", want, f.Cmd)
	}
	if reply == nil {
		if len(f.Body) != 0 {
			return fmt.Errorf("ipc: %s: unexpected %d-byte body", want, len(f.Body))
		}
		return nil
	}
	return f.Unmarshal(reply)
}

// Dial connects to a Unix stream socket (e.g. a sec-mod instance) within
// timeout.
func Dial(path string, timeout time.Duration) (*net.UnixConn, error) {
	d := net.Dialer{Timeout: timeout}
	c, err := d.Dial("unix", path)
	if err != nil {
		return nil, fmt.Errorf("ipc: connecting to %s: %w", path, err)
	}
	return c.(*net.UnixConn), nil
}

// Request opens a new connection to path, sends req with command cmd,
// reads the reply (command want) into reply and closes the connection,
// all within timeout. This is how a worker talks to sec-mod: one
// connection per request.
func Request(path string, cmd Cmd, req proto.Message, want Cmd, reply proto.Message, timeout time.Duration) error {
	if timeout <= 0 {
		return fmt.Errorf("ipc: %s: Request needs a timeout", cmd)
	}
	c, err := Dial(path, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	return Call(c, cmd, req, want, reply, timeout)
}

// Notify opens a new connection to path and sends req with command cmd,
// expecting no reply (e.g. RESUME_STORE_REQ). With waitClose it then waits,
// within timeout, for the peer to close the connection (a worker's final
// CMD_SEC_CLI_STATS, so that sec-mod has accounted it before the worker
// exits); any data the peer sends meanwhile is discarded.
func Notify(path string, cmd Cmd, req proto.Message, waitClose bool, timeout time.Duration) error {
	if timeout <= 0 {
		return fmt.Errorf("ipc: %s: Notify needs a timeout", cmd)
	}
	c, err := Dial(path, timeout)
	if err != nil {
		return err
	}
	defer c.Close()
	deadline := time.Now().Add(timeout)
	if err := c.SetDeadline(deadline); err != nil {
		return fmt.Errorf("ipc: setting deadline: %w", err)
	}
	if err := Send(c, cmd, req, -1); err != nil {
		return err
	}
	if !waitClose {
		return nil
	}
	var buf [512]byte
	for time.Now().Before(deadline) {
		if _, err := c.Read(buf[:]); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("ipc: %s: waiting for the peer to close: %w", cmd, err)
		}
	}
	return fmt.Errorf("ipc: %s: peer did not close within %v", cmd, timeout)
}
