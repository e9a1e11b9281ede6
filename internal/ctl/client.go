package ctl

import (
	"errors"
	"fmt"
	"net"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
	"github.com/ocserv-go/ocserv/internal/ipc"
)

// ErrUnexpectedReply is returned (wrapped) when main answers with a reply
// number other than the one the request calls for.
var ErrUnexpectedReply = errors.New("ctl: unexpected reply")

// Do connects to the control socket, sends one request (req may be nil for
// an empty body) and returns the reply's command and body. The whole
// exchange is bounded by timeout (occtl uses 10 s). A server that closes
// without answering (what ocserv does with unknown commands) yields an
// error wrapping io.EOF.
func Do(socketPath string, cmd Cmd, req proto.Message, timeout time.Duration) (Cmd, []byte, error) {
	if timeout <= 0 {
		return 0, nil, fmt.Errorf("ctl: %s: Do needs a timeout", cmd)
	}
	c, err := ipc.Dial(socketPath, timeout)
	if err != nil {
		return 0, nil, fmt.Errorf("ctl: %w", err)
	}
	defer c.Close()
	if err := send(c, cmd, req, timeout); err != nil {
		return 0, nil, err
	}
	f, err := ipc.Recv(c, MaxReply, timeout)
	if err != nil {
		return 0, nil, fmt.Errorf("ctl: reading the reply to %s: %w", cmd, err)
	}
	f.Close()
	return Cmd(f.Cmd), f.Body, nil
}

// Call is Do plus decoding: it checks that the reply number is the one
// ReplyFor(cmd) gives and unmarshals the body into reply.
func Call(socketPath string, cmd Cmd, req, reply proto.Message, timeout time.Duration) error {
	want, ok := ReplyFor(cmd)
	if !ok {
		return fmt.Errorf("%w %d", ErrUnknownCmd, uint8(cmd))
	}
	got, body, err := Do(socketPath, cmd, req, timeout)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("%w: %s to %s, want %s", ErrUnexpectedReply, got, cmd, want)
	}
	if err := proto.Unmarshal(body, reply); err != nil {
		return fmt.Errorf("ctl: decoding %s: %w", got, err)
	}
	return nil
}

func send(c *net.UnixConn, cmd Cmd, req proto.Message, timeout time.Duration) error {
	if err := c.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return fmt.Errorf("ctl: setting deadline: %w", err)
	}
	defer c.SetWriteDeadline(time.Time{})
	if err := ipc.Send(c, ipc.Cmd(cmd), req, -1); err != nil {
		return fmt.Errorf("ctl: sending %s: %w", cmd, err)
	}
	return nil
}

// TopStream is an open TOP connection: the session list main sent first,
// then one TopUpdateRep per connect or disconnect.
type TopStream struct {
	c *net.UnixConn
	// Users is the session list main answered TOP with.
	Users *ctlpb.UserListRep
}

// Top sends TOP and reads the initial session list within timeout.
func Top(socketPath string, timeout time.Duration) (*TopStream, error) {
	if timeout <= 0 {
		return nil, errors.New("ctl: Top needs a timeout")
	}
	c, err := ipc.Dial(socketPath, timeout)
	if err != nil {
		return nil, fmt.Errorf("ctl: %w", err)
	}
	if err := send(c, CmdTop, nil, timeout); err != nil {
		c.Close()
		return nil, err
	}
	f, err := ipc.Recv(c, MaxReply, timeout)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("ctl: reading the reply to %s: %w", CmdTop, err)
	}
	f.Close()
	if Cmd(f.Cmd) != CmdListRep {
		c.Close()
		return nil, fmt.Errorf("%w: %s to %s", ErrUnexpectedReply, Cmd(f.Cmd), CmdTop)
	}
	users := new(ctlpb.UserListRep)
	if err := proto.Unmarshal(f.Body, users); err != nil {
		c.Close()
		return nil, fmt.Errorf("ctl: decoding %s: %w", CmdListRep, err)
	}
	return &TopStream{c: c, Users: users}, nil
}

// Next waits for the next event. timeout 0 waits until one arrives or the
// stream is closed (Close from another goroutine unblocks it). Main closing
// the connection yields an error wrapping io.EOF.
func (t *TopStream) Next(timeout time.Duration) (*ctlpb.TopUpdateRep, error) {
	f, err := ipc.Recv(t.c, MaxReply, timeout)
	if err != nil {
		return nil, fmt.Errorf("ctl: reading a TOP event: %w", err)
	}
	f.Close()
	if Cmd(f.Cmd) != CmdTopUpdateRep {
		return nil, fmt.Errorf("%w: %s in a TOP stream", ErrUnexpectedReply, Cmd(f.Cmd))
	}
	ev := new(ctlpb.TopUpdateRep)
	if err := proto.Unmarshal(f.Body, ev); err != nil {
		return nil, fmt.Errorf("ctl: decoding %s: %w", CmdTopUpdateRep, err)
	}
	return ev, nil
}

// Close ends the stream.
func (t *TopStream) Close() error { return t.c.Close() }
