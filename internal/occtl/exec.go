package occtl

import (
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl"
	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

// errUnreachable is occtl's message for a failed exchange.
const errUnreachable = "could not send message; possibly insufficient permissions or server is offline.\n"

// exec runs commands: one per line, one connection per command.
type exec struct {
	socket      string
	json, debug bool
	noPager     bool
	interactive bool
	line        string // the line being run (readline's buffer in occtl)

	stdin          io.Reader
	stdout, stderr io.Writer
	stdoutFile     *os.File // for the tty test of the pager; nil = not a tty

	conn  *net.UnixConn
	cache *cache

	// hooks for tests
	now     time.Time
	loc     *time.Location
	ifStats func(dev string) (rx, tx uint64, ok bool)
	exitFn  func(code int)
}

func (x *exec) renderer(w io.Writer) *Renderer {
	return &Renderer{JSON: x.json, Debug: x.debug, IfStats: x.ifStats, Stderr: x.stderr, Now: x.now, Loc: x.loc}
}

// runLine is occtl's handle_cmd: it returns the command's status.
func (x *exec) runLine(line string) int {
	x.line = line
	cline := stripSpace(line)
	if cline == "" {
		return 1
	}
	c, arg, ok := match(cline)
	if !ok {
		// occtl works on the line with its trailing blanks cut.
		orig := strings.TrimRight(line, " \t\n\v\f\r")
		if !helpFor(x.stdout, orig) {
			fmt.Fprintf(x.stderr, "unknown command: %s\n", orig)
			fmt.Fprintf(x.stderr, "use help or '?' to get a list of the available commands\n")
		}
		return 1
	}
	if !c.needsConn {
		return c.run(x, arg)
	}
	conn, err := dial(x.socket, x.stderr)
	if err != nil {
		return 1
	}
	x.conn = conn
	defer func() {
		conn.Close()
		x.conn = nil
	}()
	return c.run(x, arg)
}

// helpArg prints the help for a missing or bad argument.
func (x *exec) helpArg() int {
	line := ""
	if x.interactive {
		line = x.line
	}
	helpFor(x.stdout, line)
	return 1
}

func (x *exec) call(cmd ctl.Cmd, req, rep proto.Message) error {
	return call(x.conn, cmd, req, rep, x.stderr)
}

// boolCmd runs a request answered by a BoolMsg.
func (x *exec) boolCmd(cmd ctl.Cmd, req proto.Message) (ok, sent bool) {
	var rep ctlpb.BoolMsg
	if err := x.call(cmd, req, &rep); err != nil {
		return false, false
	}
	return rep.GetStatus(), true
}

func (x *exec) reload(string) int {
	if ok, _ := x.boolCmd(ctl.CmdReload, nil); ok {
		fmt.Fprint(x.stdout, "Server scheduled to reload\n")
		return 0
	}
	fmt.Fprint(x.stdout, "Error scheduling reload\n")
	return 1
}

func (x *exec) stop(string) int {
	if ok, _ := x.boolCmd(ctl.CmdStop, nil); ok {
		fmt.Fprint(x.stdout, "Server scheduled to stop\n")
		return 0
	}
	fmt.Fprint(x.stdout, "Error scheduling server stop\n")
	return 1
}

func (x *exec) disconnectUser(arg string) int {
	if needHelp(arg) {
		return x.helpArg()
	}
	ok, sent := x.boolCmd(ctl.CmdDisconnectName, &ctlpb.UsernameReq{Username: proto.String(arg)})
	return x.boolResult(ok, sent, "user '%s' was disconnected\n", "could not disconnect user '%s'\n", arg)
}

func (x *exec) disconnectID(arg string) int {
	id := atoi(arg)
	if needHelp(arg) || id == 0 {
		return x.helpArg()
	}
	ok, sent := x.boolCmd(ctl.CmdDisconnectID, &ctlpb.IdReq{Id: proto.Int32(id)})
	return x.boolResult(ok, sent, "connection ID '%s' was disconnected\n", "could not disconnect ID '%s'\n", arg)
}

func (x *exec) unbanIP(arg string) int {
	if needHelp(arg) {
		return x.helpArg()
	}
	ip, ok := parseIP(arg)
	if !ok {
		fmt.Fprintf(x.stderr, "Cannot parse IP: %s", arg)
		return 1
	}
	done, sent := x.boolCmd(ctl.CmdUnbanIP, &ctlpb.UnbanReq{Ip: ip})
	return x.boolResult(done, sent, "IP '%s' was unbanned\n", "could not unban IP '%s'\n", arg)
}

// parseIP is occtl's inet_pton: IPv6 when the text has a colon.
func parseIP(s string) ([]byte, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return nil, false
	}
	if strings.Contains(s, ":") {
		b := a.As16()
		return b[:], true
	}
	if !a.Is4() {
		return nil, false
	}
	b := a.As4()
	return b[:], true
}

func (x *exec) boolResult(ok, sent bool, yes, no, arg string) int {
	switch {
	case !sent:
		fmt.Fprint(x.stderr, errUnreachable)
		return 1
	case ok:
		fmt.Fprintf(x.stdout, yes, arg)
		return 0
	}
	fmt.Fprintf(x.stdout, no, arg)
	return 1
}

func (x *exec) status(string) int {
	r := x.renderer(x.stdout)
	r.StatusHead(x.stdout)
	var rep ctlpb.StatusRep
	if err := x.call(ctl.CmdStatus, nil, &rep); err != nil {
		r.StatusOffline(x.stdout)
		return 1
	}
	r.Status(x.stdout, &rep)
	return 0
}

func (x *exec) users(string) int {
	x.cache.clearUsers()
	out := x.pager()
	defer out.Close()
	var rep ctlpb.UserListRep
	if err := x.call(ctl.CmdList, nil, &rep); err != nil {
		fmt.Fprint(x.stderr, errUnreachable)
		return 1
	}
	x.renderer(out).UserList(out, &rep)
	x.cache.addUsers(&rep)
	return 0
}

func (x *exec) iroutes(string) int {
	x.cache.clearUsers()
	out := x.pager()
	defer out.Close()
	var rep ctlpb.UserListRep
	if err := x.call(ctl.CmdList, nil, &rep); err != nil {
		fmt.Fprint(x.stderr, errUnreachable)
		return 1
	}
	x.renderer(out).Iroutes(out, &rep)
	return 0
}

func (x *exec) bans(string) int      { return x.banList(false) }
func (x *exec) banPoints(string) int { return x.banList(true) }

func (x *exec) banList(points bool) int {
	x.cache.ips = nil
	out := x.pager()
	defer out.Close()
	var rep ctlpb.BanListRep
	if err := x.call(ctl.CmdListBanned, nil, &rep); err != nil {
		fmt.Fprint(x.stderr, errUnreachable)
		return 1
	}
	x.cache.ips = x.renderer(out).Bans(out, &rep, points)
	return 0
}

func (x *exec) sessionsAll(string) int   { return x.sessions(true) }
func (x *exec) sessionsValid(string) int { return x.sessions(false) }

func (x *exec) sessions(all bool) int {
	x.cache.clearUsers()
	out := x.pager()
	defer out.Close()
	var rep ctlpb.CookieListRep
	if err := x.call(ctl.CmdListCookies, nil, &rep); err != nil {
		fmt.Fprint(x.stderr, errUnreachable)
		return 1
	}
	x.renderer(out).SessionList(out, &rep, all)
	x.cache.setSessions(&rep, all)
	return 0
}

func (x *exec) session(arg string) int {
	if needHelp(arg) {
		return x.helpArg()
	}
	x.cache.clearUsers()
	out := x.pager()
	defer out.Close()
	var rep ctlpb.CookieListRep
	if err := x.call(ctl.CmdListCookies, nil, &rep); err != nil {
		fmt.Fprint(x.stderr, errUnreachable)
		return 1
	}
	x.renderer(out).SessionInfo(out, &rep, arg, false, true)
	x.cache.setSessions(&rep, true)
	return 0 // occtl ignores "not found" here
}

func (x *exec) user(arg string) int {
	if needHelp(arg) {
		return x.helpArg()
	}
	return x.info(ctl.CmdUserInfo, &ctlpb.UsernameReq{Username: proto.String(arg)})
}

func (x *exec) id(arg string) int {
	id := atoi(arg)
	if needHelp(arg) || id == 0 {
		return x.helpArg()
	}
	return x.info(ctl.CmdIDInfo, &ctlpb.IdReq{Id: proto.Int32(id)})
}

func (x *exec) info(cmd ctl.Cmd, req proto.Message) int {
	var rep ctlpb.UserListRep
	if err := x.call(cmd, req, &rep); err != nil {
		fmt.Fprint(x.stderr, errUnreachable)
		return 1
	}
	out := x.pager()
	defer out.Close()
	return x.renderer(out).UserInfo(out, &rep)
}

func (x *exec) help(string) int {
	printCommands(x.stdout, true)
	return 0
}

func (x *exec) reset(string) int { return 0 }

func (x *exec) exit(string) int {
	x.exitFn(0)
	return 0
}
