package mainproc

import (
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ctl"
	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
	"github.com/ocserv-go/ocserv/internal/ipc"
)

// The occtl control socket (ocserv's main-ctl-unix.c). Only root may use
// it (SO_PEERCRED). Each connection carries one request and one reply,
// except TOP, whose connection stays open and receives an event on every
// connect and disconnect; only one TOP listener exists at a time. Each
// connection is served by its own goroutine with bounded reads, so a
// misbehaving client never holds up main.

const (
	// ctlReadTimeout bounds the wait for a request once connected.
	ctlReadTimeout = 10 * time.Second
	// ctlWriteTimeout bounds writing a reply or a TOP event.
	ctlWriteTimeout = 10 * time.Second
	// ctlTopWriteTimeout bounds a TOP event write (it happens on a
	// session's own goroutine).
	ctlTopWriteTimeout = time.Second
	// ctlMaxConns is how many control connections are served at once;
	// further ones are closed at once.
	ctlMaxConns = 32
)

// ctlServer is main's control socket.
type ctlServer struct {
	s          *server
	ln         *net.UnixListener
	path       string
	sigs       chan<- os.Signal // RELOAD and STOP are fed here as SIGHUP / SIGTERM
	secmodPIDs []uint32
	sem        chan struct{}
	wg         sync.WaitGroup

	topMu sync.Mutex
	top   *net.UnixConn
}

// startCtl creates the control socket when use-occtl is set (ocserv's
// ctl_handler_init): a stale file is removed, the socket gets mode 0711
// and run-as-user:run-as-group ownership as in ocserv (the peer check
// keeps everyone but root out).
func (s *server) startCtl(cfg *config.Config, sigs chan<- os.Signal, secmodPIDs ...int) error {
	c := &ctlServer{s: s, sigs: sigs, sem: make(chan struct{}, ctlMaxConns)}
	for _, p := range secmodPIDs {
		c.secmodPIDs = append(c.secmodPIDs, uint32(p))
	}
	s.ctl = c
	if !cfg.UseOCCTL || cfg.OCCTLSocketFile == "" {
		s.log.Debugf("ctl: occtl socket disabled")
		return nil
	}
	path := cfg.OCCTLSocketFile
	os.Remove(path)
	// As ocserv: bind under umask 066 so that the socket never exists with
	// a wider mode (start-up, no files are being created concurrently).
	old := syscall.Umask(0o066)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	syscall.Umask(old)
	if err != nil {
		return fmt.Errorf("could not create occtl socket '%s': %w", path, err)
	}
	ln.SetUnlinkOnClose(false)
	if err := os.Chmod(path, 0o711); err != nil {
		ln.Close()
		return fmt.Errorf("could not set permissions of '%s': %w", path, err)
	}
	if cfg.RunAsUID >= 0 || cfg.RunAsGID >= 0 {
		if err := os.Chown(path, cfg.RunAsUID, cfg.RunAsGID); err != nil {
			s.log.Errorf("could not chown socket '%s': %v", path, err)
		}
	}
	c.ln, c.path = ln, path
	s.log.Debugf("ctl: listening on %s", path)
	c.wg.Add(1)
	go c.acceptLoop()
	return nil
}

// stopCtl closes the control socket and its connections and removes the
// socket file.
func (s *server) stopCtl() {
	c := s.ctl
	if c == nil || c.ln == nil {
		return
	}
	c.ln.Close()
	c.topMu.Lock()
	if c.top != nil {
		c.top.Close()
		c.top = nil
	}
	c.topMu.Unlock()
	waitGroupTimeout(&c.wg, 2*time.Second)
	os.Remove(c.path)
}

func (c *ctlServer) acceptLoop() {
	defer c.wg.Done()
	for {
		conn, err := c.ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			c.s.log.Errorf("ctl: accept: %v", err)
			time.Sleep(100 * time.Millisecond)
			continue
		}
		select {
		case c.sem <- struct{}{}:
		default:
			c.s.log.Infof("ctl: too many connections")
			conn.Close()
			continue
		}
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			defer func() { <-c.sem }()
			if !c.serveConn(conn) {
				conn.Close()
			}
		}()
	}
}

// serveConn handles one control connection. It reports whether the
// connection was kept (a TOP listener); otherwise the caller closes it.
func (c *ctlServer) serveConn(conn *net.UnixConn) (kept bool) {
	cred, err := ipc.PeerCred(conn)
	if err != nil || cred.UID != 0 {
		c.s.log.Errorf("ctl: unauthorized connection")
		return false
	}
	f, err := ipc.Recv(conn, ctl.MaxRequest, ctlReadTimeout)
	if err != nil {
		if !errors.Is(err, io.EOF) {
			c.s.log.Debugf("ctl: error reading request: %v", err)
		}
		return false
	}
	f.Close()
	req, err := ctl.DecodeRequest(ctl.Cmd(f.Cmd), f.Body)
	if err != nil {
		if errors.Is(err, ctl.ErrUnknownCmd) {
			c.s.log.Errorf("unknown unix ctl message: 0x%.1x", uint8(f.Cmd))
		} else {
			c.s.log.Errorf("ctl: %v", err)
		}
		return false
	}
	rcmd, rep := c.s.ctlAnswer(req)
	if req.Cmd == ctl.CmdTop {
		return c.startTop(conn, rep)
	}
	if err := ctlSend(conn, rcmd, rep, ctlWriteTimeout); err != nil {
		c.s.log.Errorf("error sending ctl reply: %v", err)
	}
	return false
}

// ctlSend writes one reply frame within timeout.
func ctlSend(conn *net.UnixConn, cmd ctl.Cmd, m proto.Message, timeout time.Duration) error {
	if err := conn.SetWriteDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	return ipc.Send(conn, ipc.Cmd(cmd), m, -1)
}

// startTop answers TOP with the session list and, when there is no
// listener yet, keeps conn as the listener until its peer goes away.
// Holding topMu while sending the list means no event can overtake it.
func (c *ctlServer) startTop(conn *net.UnixConn, list proto.Message) bool {
	c.topMu.Lock()
	defer c.topMu.Unlock()
	if err := ctlSend(conn, ctl.CmdListRep, list, ctlWriteTimeout); err != nil {
		c.s.log.Errorf("error sending ctl reply: %v", err)
		return false
	}
	if c.top != nil {
		// ocserv keeps a single listener; later ones get the list only.
		return false
	}
	c.top = conn
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		// Nothing more is expected from the client: wait for it to go.
		var buf [64]byte
		for {
			if _, err := conn.Read(buf[:]); err != nil {
				break
			}
		}
		c.topMu.Lock()
		if c.top == conn {
			c.top = nil
		}
		c.topMu.Unlock()
		conn.Close()
	}()
	return true
}

// notifyTop sends a connect (reason 0) or disconnect event about p to the
// TOP listener, if any; a listener that cannot be written to is dropped.
func (s *server) notifyTop(p *proc, connected bool, reason uint32) {
	c := s.ctl
	if c == nil {
		return
	}
	c.topMu.Lock()
	defer c.topMu.Unlock()
	if c.top == nil {
		return
	}
	s.mu.Lock()
	info := s.userInfo(p)
	s.mu.Unlock()
	ev := &ctlpb.TopUpdateRep{User: &ctlpb.UserListRep{User: []*ctlpb.UserInfoRep{info}}}
	if connected {
		ev.Connected = proto.Uint32(ctl.EventConnect)
	} else {
		ev.Connected = proto.Uint32(ctl.EventDisconnect)
		if reason != 0 {
			ev.DisconReason = proto.Uint32(reason)
			ev.DisconReasonTxt = proto.String(reasonText(reason))
		}
	}
	if err := ctlSend(c.top, ctl.CmdTopUpdateRep, ev, ctlTopWriteTimeout); err != nil {
		s.log.Debugf("ctl: dropping the TOP listener: %v", err)
		c.top.Close()
		c.top = nil
	}
}

// signal feeds sig to main's event loop as if it had been received.
func (c *ctlServer) signal(sig syscall.Signal) {
	if c == nil || c.sigs == nil {
		return
	}
	select {
	case c.sigs <- sig:
	default:
	}
}
