package occtl

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"

	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl"
	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
	"github.com/ocserv-go/ocserv/internal/ipc"
)

// events is show events: the user list, then one line (or JSON array) per
// connect and disconnect until 'q', Ctrl-C or a broken stream (255).
func (x *exec) events(string) int {
	var first ctlpb.UserListRep
	if err := x.call(ctl.CmdTop, nil, &first); err != nil {
		fmt.Fprint(x.stderr, errUnreachable)
		return 1
	}
	r := x.renderer(x.stdout)
	r.EventsHead(x.stdout, &first)
	x.cache.addUsers(&first)

	if f, ok := x.stdin.(*os.File); ok {
		if old, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS); err == nil {
			quiet := *old
			quiet.Lflag &^= unix.ICANON | unix.ECHO
			if unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, &quiet) == nil {
				defer unix.IoctlSetTermios(int(f.Fd()), unix.TCSETS, old)
			}
		}
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)

	quit := make(chan struct{}, 1)
	go func() {
		// occtl spins forever on a closed stdin; here EOF just stops
		// watching it.
		buf := make([]byte, 1)
		for {
			n, err := x.stdin.Read(buf)
			if n == 1 && (buf[0] == 'q' || buf[0] == 'Q') {
				quit <- struct{}{}
				return
			}
			if err != nil {
				return
			}
		}
	}()

	type result struct {
		ev   *ctlpb.TopUpdateRep
		code int
	}
	evs := make(chan result)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			ev, code := x.readEvent()
			select {
			case evs <- result{ev, code}:
			case <-done:
				return
			}
			if ev == nil {
				return
			}
		}
	}()
	for {
		select {
		case <-quit:
			return 0
		case <-sig:
			return 0
		case res := <-evs:
			if res.ev == nil {
				return res.code
			}
			r.Event(x.stdout, res.ev)
			if res.ev.GetConnected() != 0 {
				if u := res.ev.GetUser().GetUser(); len(u) > 0 {
					x.cache.addUser(s(u[0].Username), u[0].GetId())
				}
			}
		}
	}
}

// readEvent reads one TOP_UPDATE_REP; on failure it prints occtl's message
// and returns the exit status.
func (x *exec) readEvent() (*ctlpb.TopUpdateRep, int) {
	c := x.conn
	if err := c.SetReadDeadline(noDeadline); err != nil {
		return nil, 255
	}
	var hdr [ipc.HeaderLen]byte
	if _, err := io.ReadFull(c, hdr[:]); err != nil {
		fmt.Fprintf(x.stderr, "events: read1: %s\n", eofText(err))
		return nil, 255
	}
	cmd, n := ipc.ParseHeader(hdr[:])
	if ctl.Cmd(cmd) != ctl.CmdTopUpdateRep {
		fmt.Fprintf(x.stderr, "events: Unexpected message '%d', expected '%d'\n", cmd, ctl.CmdTopUpdateRep)
		return nil, 255
	}
	if n > ctl.MaxReply {
		fmt.Fprintf(x.stderr, "events: memory error\n")
		return nil, 255
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(c, body); err != nil {
		fmt.Fprintf(x.stderr, "events: read: %s\n", eofText(err))
		return nil, 255
	}
	ev := new(ctlpb.TopUpdateRep)
	if err := proto.Unmarshal(body, ev); err != nil {
		fmt.Fprint(x.stderr, errUnreachable)
		return nil, 1
	}
	return ev, 0
}

func eofText(err error) string {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "No such file or directory"
	}
	return strerror(err)
}
