package mainproc

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl"
	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// startTestCtl opens the control socket of h's server in a temporary
// directory and returns its path and the channel RELOAD/STOP feed.
func startTestCtl(t *testing.T, h *harness) (string, chan os.Signal) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the control socket only serves root")
	}
	path := filepath.Join(t.TempDir(), "occtl.socket")
	cfg := *h.s.config()
	cfg.UseOCCTL, cfg.OCCTLSocketFile = true, path
	cfg.RunAsUID, cfg.RunAsGID = -1, -1
	sigs := make(chan os.Signal, 4)
	if err := h.s.startCtl(&cfg, sigs, 4242); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.s.stopCtl)
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o711 || fi.Mode()&os.ModeSocket == 0 {
		t.Errorf("socket mode %v, %v", fi.Mode(), err)
	}
	return path, sigs
}

func call(t *testing.T, path string, cmd ctl.Cmd, req, rep proto.Message) {
	t.Helper()
	if err := ctl.Call(path, cmd, req, rep, 5*time.Second); err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
}

func TestCtlQueries(t *testing.T) {
	h := newHarness(t, "split-dns = example.net\n")
	// The fake sec-mod cannot list cookies: hide ListCookies before any
	// goroutine of the server reads s.sm.
	h.s.sm = struct{ SecMod }{h.s.sm}
	path, _ := startTestCtl(t, h)
	w := h.worker(t)
	if rep, _ := w.login(t, "sid-alice"); rep.GetReply() != ipcpb.AuthRep_AUTH_OK {
		t.Fatal("login failed")
	}
	ipc.Send(w.conn, ipc.CmdSessionInfo, &ipcpb.SessionInfo{DtlsCiphersuite: proto.String("(DTLS1.2)-(PSK)-(AES-256-GCM)")}, -1)
	ipc.Send(w.conn, ipc.CmdTunMTU, &ipcpb.TunMtu{Mtu: proto.Uint32(1400)}, -1)
	pre := h.worker(t) // still before authentication
	time.Sleep(100 * time.Millisecond)

	var st ctlpb.StatusRep
	call(t, path, ctl.CmdStatus, nil, &st)
	if st.GetPid() != uint32(os.Getpid()) || st.GetActiveClients() != 2 || !slices.Equal(st.GetSecModPids(), []uint32{4242}) || st.GetStartTime() == 0 {
		t.Errorf("status %v", &st)
	}

	var l ctlpb.UserListRep
	call(t, path, ctl.CmdList, nil, &l)
	if len(l.User) != 2 || l.User[0].GetId() != int32(pre.p.pid) || l.User[0].GetStatus() != ctl.StatusInactive {
		t.Fatalf("list %v", &l)
	}
	u := l.User[1]
	if u.GetId() != int32(w.p.pid) || u.GetUsername() != "alice" || u.GetGroupname() != "grp" || u.GetStatus() != ctl.StatusCompleted ||
		u.GetIp() != "192.0.2.7" || u.GetLocalDevIp() != "192.0.2.1" || u.GetTun() != "vpns0" ||
		u.GetLocalIp() != "192.168.99.50" || u.GetRemoteIp() != "192.168.99.1" || u.GetHostname() != "laptop" ||
		u.GetMtu() != 1400 || u.GetVhost() != "default" || string(u.GetSafeId()) != string(ctl.SafeID([]byte("sid-alice"))) ||
		!slices.Equal(u.GetRoutes(), []string{"10.1.0.0/255.255.0.0"}) || !slices.Equal(u.GetDomains(), []string{"example.net"}) ||
		u.GetDtlsCiphersuite() != "(DTLS1.2)-(PSK)-(AES-256-GCM)" {
		t.Errorf("user %v", u)
	}

	tests := []struct {
		cmd  ctl.Cmd
		req  proto.Message
		want int
	}{
		{ctl.CmdUserInfo, &ctlpb.UsernameReq{Username: proto.String("alice")}, 1},
		{ctl.CmdUserInfo, &ctlpb.UsernameReq{Username: proto.String("bob")}, 0},
		{ctl.CmdIDInfo, &ctlpb.IdReq{Id: proto.Int32(int32(w.p.pid))}, 1},
		{ctl.CmdIDInfo, &ctlpb.IdReq{Id: proto.Int32(0)}, 0},
		{ctl.CmdIDInfo, &ctlpb.IdReq{Id: proto.Int32(-1)}, 0},
	}
	for _, tt := range tests {
		var l ctlpb.UserListRep
		call(t, path, tt.cmd, tt.req, &l)
		if len(l.User) != tt.want {
			t.Errorf("%s %v: %d users, want %d", tt.cmd, tt.req, len(l.User), tt.want)
		}
	}
	var bl ctlpb.BanListRep
	call(t, path, ctl.CmdListBanned, nil, &bl)
	var b ctlpb.BoolMsg
	call(t, path, ctl.CmdUnbanIP, &ctlpb.UnbanReq{Ip: []byte{10, 0, 0, 1}}, &b)
	if b.GetStatus() {
		t.Error("unban of an unknown address succeeded")
	}
	var cl ctlpb.CookieListRep
	call(t, path, ctl.CmdListCookies, nil, &cl)
}

func TestCtlDisconnectAndTop(t *testing.T) {
	h := newHarness(t, "")
	path, _ := startTestCtl(t, h)
	top, err := ctl.Top(path, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer top.Close()
	if len(top.Users.User) != 0 {
		t.Errorf("initial list %v", top.Users)
	}
	w := h.worker(t)
	w.login(t, "sid-alice")
	ev, err := top.Next(5 * time.Second)
	if err != nil || ev.GetConnected() != 1 || ev.GetUser().GetUser()[0].GetUsername() != "alice" {
		t.Fatalf("connect event %v, %v", ev, err)
	}

	var b ctlpb.BoolMsg
	call(t, path, ctl.CmdDisconnectName, &ctlpb.UsernameReq{Username: proto.String("nobody")}, &b)
	if b.GetStatus() {
		t.Error("disconnect of an unknown user succeeded")
	}
	call(t, path, ctl.CmdDisconnectID, &ctlpb.IdReq{Id: proto.Int32(int32(w.p.pid))}, &b)
	if !b.GetStatus() || !slices.Contains(w.signals(), syscall.SIGTERM) {
		t.Fatalf("disconnect: %v, signals %v", b.GetStatus(), w.signals())
	}
	w.exit(t) // the worker obeys
	ev, err = top.Next(5 * time.Second)
	if err != nil || ev.GetConnected() != 0 || ev.GetDisconReason() != reasonUserDisconnect || ev.GetDisconReasonTxt() != "user disconnected" {
		t.Fatalf("disconnect event %v, %v", ev, err)
	}
	cl := h.sm.closed()
	if len(cl) != 1 || !cl[0].GetServerDisconnected() {
		t.Errorf("session close %v", cl)
	}
	var st ctlpb.StatusRep
	call(t, path, ctl.CmdStatus, nil, &st)
	if st.GetSessionsClosed() != 1 || st.GetTotalSessionsClosed() != 1 {
		t.Errorf("status after close %v", &st)
	}

	// A second TOP gets the list but no events.
	top2, err := ctl.Top(path, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := top2.Next(300 * time.Millisecond); err == nil {
		t.Error("second TOP listener got an event")
	}
	top2.Close()
}

func TestCtlReloadStop(t *testing.T) {
	h := newHarness(t, "")
	path, sigs := startTestCtl(t, h)
	for _, tt := range []struct {
		cmd ctl.Cmd
		sig os.Signal
	}{{ctl.CmdReload, syscall.SIGHUP}, {ctl.CmdStop, syscall.SIGTERM}} {
		var b ctlpb.BoolMsg
		call(t, path, tt.cmd, nil, &b)
		if !b.GetStatus() {
			t.Errorf("%s: status false", tt.cmd)
		}
		select {
		case s := <-sigs:
			if s != tt.sig {
				t.Errorf("%s fed %v", tt.cmd, s)
			}
		case <-time.After(2 * time.Second):
			t.Errorf("%s fed nothing", tt.cmd)
		}
	}
}

// Garbage, oversized requests, unknown commands and clients that hang up
// mid-message get no answer and leave the socket working.
func TestCtlBadClients(t *testing.T) {
	h := newHarness(t, "")
	path, _ := startTestCtl(t, h)
	raw := [][]byte{
		{},                            // connect and leave
		{byte(ctl.CmdStatus), 1},      // header cut short
		ipc.AppendFrame(nil, 99, nil), // unknown command
		ipc.AppendFrame(nil, ipc.Cmd(ctl.CmdStatusRep), nil),
		ipc.AppendFrame(nil, ipc.Cmd(ctl.CmdIDInfo), []byte{0xff, 0xff, 0xff}),  // bad body
		ipc.AppendFrame(nil, ipc.Cmd(ctl.CmdUserInfo), make([]byte, 4096)),      // too large
		ipc.AppendFrame(nil, ipc.Cmd(ctl.CmdUnbanIP), []byte{0x0a, 0x02, 1, 2}), // bad address
		{byte(ctl.CmdUserInfo), 0xff, 0xff, 0xff, 0x7f, 1, 2},                   // huge length
		{byte(ctl.CmdUserInfo), 10, 0, 0, 0, 0x0a},                              // body cut short
	}
	for i, b := range raw {
		c, err := net.Dial("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(b)
		if i == len(raw)-1 {
			c.Close() // hang up mid-message
			continue
		}
		c.(*net.UnixConn).CloseWrite()
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		n, _ := c.Read(make([]byte, 16))
		if n != 0 {
			t.Errorf("case %d: got a reply", i)
		}
		c.Close()
	}
	var st ctlpb.StatusRep
	call(t, path, ctl.CmdStatus, nil, &st)
}

func TestCtlSocketRemoved(t *testing.T) {
	h := newHarness(t, "")
	path, _ := startTestCtl(t, h)
	h.s.stopCtl()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket still there: %v", err)
	}
}

func FuzzCtlRequest(f *testing.F) {
	f.Add(uint8(ctl.CmdList), []byte(nil))
	f.Add(uint8(ctl.CmdIDInfo), []byte{0x08, 0xf0, 0xa8, 0x02})
	f.Add(uint8(ctl.CmdDisconnectName), []byte{0x0a, 0x05, 'a', 'l', 'i', 'c', 'e'})
	f.Add(uint8(ctl.CmdUnbanIP), []byte{0x0a, 0x04, 10, 0, 0, 1})
	h := newHarness(&testing.T{}, "")
	h.s.sm = struct{ SecMod }{h.s.sm} // before the worker's goroutine reads it
	w := h.worker(&testing.T{})
	w.login(&testing.T{}, "sid-alice")
	f.Fuzz(func(t *testing.T, cmd uint8, body []byte) {
		r, err := ctl.DecodeRequest(ctl.Cmd(cmd), body)
		if err != nil {
			return
		}
		rcmd, rep := h.s.ctlAnswer(r)
		if rep == nil {
			t.Fatalf("%s: no reply", r.Cmd)
		}
		if want, _ := ctl.ReplyFor(r.Cmd); want != rcmd {
			t.Fatalf("%s answered with %s", r.Cmd, rcmd)
		}
		if _, err := proto.Marshal(rep); err != nil {
			t.Fatalf("%s: reply does not encode (missing required field?): %v", r.Cmd, err)
		}
	})
}
