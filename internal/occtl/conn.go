package occtl

import (
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl"
	"github.com/ocserv-go/ocserv/internal/ipc"
)

// replyTimeout bounds every reply, as occtl's 10 s.
const replyTimeout = 10 * time.Second

// maxSunPath is what fits in sockaddr_un.sun_path with its NUL.
const maxSunPath = 107

// noDeadline clears a read deadline.
var noDeadline time.Time

// errReply marks an exchange that failed after connecting; the message
// (if any) was already printed.
var errReply = errors.New("occtl: no usable reply")

// strerror is glibc's wording of an errno.
func strerror(err error) string {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	msg := errno.Error()
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// dial connects to the control socket, printing occtl's message on failure.
func dial(path string, stderr io.Writer) (*net.UnixConn, error) {
	if len(path) > maxSunPath {
		path = path[:maxSunPath]
	}
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		fmt.Fprintf(stderr, "error connecting to ocserv socket '%s': %s\n", path, strerror(err))
		return nil, fmt.Errorf("occtl: connecting to %s: %w", path, err)
	}
	return c, nil
}

// send writes one request frame.
func send(c *net.UnixConn, cmd ctl.Cmd, req proto.Message) error {
	var body []byte
	if req != nil {
		b, err := proto.Marshal(req)
		if err != nil {
			return fmt.Errorf("occtl: encoding %s: %w", cmd, err)
		}
		body = b
	}
	if err := c.SetWriteDeadline(time.Now().Add(replyTimeout)); err != nil {
		return fmt.Errorf("occtl: %w", err)
	}
	if _, err := c.Write(ipc.AppendFrame(nil, ipc.Cmd(cmd), body)); err != nil {
		return fmt.Errorf("occtl: sending %s: %w", cmd, err)
	}
	return nil
}

// recvFrame reads one reply frame; want (if non-zero) is checked before
// the body is read, as occtl does. timeout 0 waits for the header forever.
func recvFrame(c *net.UnixConn, want ctl.Cmd, timeout time.Duration, stderr io.Writer, prefix string) (ctl.Cmd, []byte, error) {
	deadline := time.Time{}
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if err := c.SetReadDeadline(deadline); err != nil {
		return 0, nil, fmt.Errorf("occtl: %w", err)
	}
	var hdr [ipc.HeaderLen]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		return 0, nil, fmt.Errorf("occtl: reading the reply header: %w", err)
	}
	cmd, n := ipc.ParseHeader(hdr[:])
	if want != 0 && ctl.Cmd(cmd) != want {
		fmt.Fprintf(stderr, "%sUnexpected message '%d', expected '%d'\n", prefix, cmd, want)
		return ctl.Cmd(cmd), nil, errReply
	}
	if n > ctl.MaxReply {
		fmt.Fprintf(stderr, "%smemory error\n", prefix)
		return ctl.Cmd(cmd), nil, errReply
	}
	if err := c.SetReadDeadline(time.Now().Add(replyTimeout)); err != nil {
		return 0, nil, fmt.Errorf("occtl: %w", err)
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c, body); err != nil {
		msg := strerror(err)
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			msg = "No such file or directory" // occtl reports EOF as ENOENT
		} else if errors.Is(err, syscall.ETIMEDOUT) || isTimeout(err) {
			msg = "Connection timed out"
		}
		fmt.Fprintf(stderr, "%sread: %s\n", prefix, msg)
		return ctl.Cmd(cmd), nil, errReply
	}
	return ctl.Cmd(cmd), body, nil
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// call sends req and decodes the expected reply into rep.
func call(c *net.UnixConn, cmd ctl.Cmd, req, rep proto.Message, stderr io.Writer) error {
	if err := send(c, cmd, req); err != nil {
		fmt.Fprintf(stderr, "writev: %s\n", strerror(err))
		return err
	}
	want, _ := ctl.ReplyFor(cmd)
	_, body, err := recvFrame(c, want, replyTimeout, stderr, "")
	if err != nil {
		return err
	}
	if err := proto.Unmarshal(body, rep); err != nil {
		return fmt.Errorf("occtl: decoding the reply to %s: %w", cmd, err)
	}
	return nil
}
