package ipc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// childEnv makes the test binary act as an exec'd child (TestInheritExec).
const childEnv = "OCSERV_IPC_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(runChild())
	}
	os.Exit(m.Run())
}

// runChild is the exec'd side of TestInheritExec: it finds its cmd socket
// by name and answers one message.
func runChild() int {
	f, err := InheritedFile("cmd")
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 2
	}
	c, err := FileConn(f)
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 3
	}
	defer c.Close()
	st, err := WorkerStartup()
	if err != nil {
		os.Stderr.WriteString(err.Error())
		return 4
	}
	if err := Send(c, CmdTunMTU, &ipcpb.TunMtu{Mtu: proto.Uint32(st.GetCmdFd())}, -1); err != nil {
		os.Stderr.WriteString(err.Error())
		return 5
	}
	return 0
}

func pair(t *testing.T) (*net.UnixConn, *net.UnixConn) {
	t.Helper()
	a, b, err := SocketpairConns()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close(); b.Close() })
	return a, b
}

func countFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	return len(ents)
}

func TestCmdString(t *testing.T) {
	tests := []struct {
		c    Cmd
		want string
	}{
		{AuthCookieRep, "AUTH_COOKIE_REP"},
		{CmdSecSignHash, "CMD_SEC_SIGN_HASH"},
		{CmdSecmReloadReply, "CMD_SECM_RELOAD_REPLY"},
		{CmdLatencyStatsDelta, "CMD_LATENCY_STATS_DELTA"},
		{Cmd(0), "CMD_UNKNOWN(0)"},
		{Cmd(239), "CMD_UNKNOWN(239)"},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("Cmd(%d).String() = %q, want %q", uint8(tt.c), got, tt.want)
		}
	}
	// ocserv numbering (src/defs.h).
	nums := map[Cmd]uint8{AuthCookieReq: 4, CmdUDPFD: 10, CmdBanIPReply: 17, CmdSecAuthInit: 120,
		CmdSecCliStats: 128, CmdSecmSessionOpen: 240, CmdSecmStats: 248, CmdSecmReloadReply: 250}
	for c, n := range nums {
		if uint8(c) != n {
			t.Errorf("%s = %d, want %d", c, uint8(c), n)
		}
	}
	if !CmdSecDecrypt.IsKeyOp() || !CmdSecSignHash.IsKeyOp() || CmdSecGetPK.IsKeyOp() || CmdSecAuthReply.IsKeyOp() {
		t.Error("IsKeyOp wrong")
	}
}

func TestNewMessageCatalogue(t *testing.T) {
	empty := map[Cmd]bool{CmdTerminate: true, CmdSecmListCookies: true, CmdSecmReload: true, CmdSecmReloadReply: true}
	for c := range cmdNames {
		m, err := NewMessage(c)
		if err != nil {
			t.Errorf("%s: %v", c, err)
			continue
		}
		if (m == nil) != empty[c] {
			t.Errorf("%s: message %T, empty-body command %v", c, m, empty[c])
		}
	}
	for _, c := range []Cmd{0, 1, 3, 5, 14, 15, 119, 129, 239, 251, 255} {
		if _, err := NewMessage(c); !errors.Is(err, ErrUnknownCmd) {
			t.Errorf("%s: err = %v, want ErrUnknownCmd", c, err)
		}
	}
}

func TestDecode(t *testing.T) {
	good, _ := proto.Marshal(&ipcpb.SecOp{KeyIdx: proto.Uint32(1), Data: []byte("abc")})
	tests := []struct {
		name    string
		c       Cmd
		body    []byte
		wantErr bool
	}{
		{"sec op", CmdSecSignHash, good, false},
		{"empty body of message cmd", CmdTunMTU, nil, false},
		{"empty cmd", CmdSecmReload, nil, false},
		{"body on empty cmd", CmdTerminate, []byte{8, 1}, true},
		{"unknown cmd", Cmd(200), good, true},
		{"garbage", CmdSecAuthInit, []byte{0xff, 0xff, 0xff}, true},
		{"truncated varint", CmdTunMTU, []byte{8, 0x80}, true},
		{"field number zero", CmdTunMTU, []byte{0x00, 0x01}, true},
		{"length past end", CmdSecAuthInit, []byte{0x12, 0x05, 0x61}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Decode(tt.c, tt.body)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if tt.name == "sec op" {
				op := m.(*ipcpb.SecOp)
				if op.GetKeyIdx() != 1 || string(op.GetData()) != "abc" {
					t.Errorf("decoded %v", op)
				}
			}
		})
	}
}

func TestParseFrame(t *testing.T) {
	frame := AppendFrame(nil, CmdTunMTU, []byte{8, 100})
	// Host byte order (little-endian on the platforms ocserv runs on).
	if got := binary.NativeEndian.Uint32(frame[1:5]); got != 2 || frame[0] != 11 {
		t.Fatalf("header % x", frame[:5])
	}
	big := make([]byte, 5)
	big[0] = byte(CmdSecAuthInit)
	binary.NativeEndian.PutUint32(big[1:], 0xffffffff)
	tests := []struct {
		name    string
		buf     []byte
		max     int
		wantN   int
		wantErr error
	}{
		{"ok", frame, MaxMsgSize, 7, nil},
		{"ok with trailing", append(append([]byte{}, frame...), 1, 2, 3), MaxMsgSize, 7, nil},
		{"empty body", AppendFrame(nil, CmdSecmReload, nil), MaxMsgSize, 5, nil},
		{"short header", frame[:4], MaxMsgSize, 0, ErrTruncated},
		{"short body", frame[:6], MaxMsgSize, 0, ErrTruncated},
		{"too large", big, MaxMsgSize, 0, ErrTooLarge},
		{"over small limit", frame, 1, 0, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, n, err := ParseFrame(tt.buf, tt.max)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if n != tt.wantN {
				t.Errorf("n = %d, want %d", n, tt.wantN)
			}
		})
	}
}

func TestSendRecv(t *testing.T) {
	a, b := pair(t)
	msgs := []struct {
		c Cmd
		m proto.Message
	}{
		{CmdSecAuthInit, &ipcpb.SecAuthInit{UserName: proto.String("alice"), Ip: proto.String("192.0.2.1"), AuthType: proto.Uint32(5)}},
		{CmdSecmReload, nil},
		{CmdSecmListCookiesReply, &ipcpb.SecmListCookiesReply{Cookies: []*ipcpb.CookieInt{{Username: proto.String("u")}, {Vhost: proto.String("v")}}}},
		{CmdSessionInfo, &ipcpb.SessionInfo{TlsCiphersuite: proto.String(strings.Repeat("x", MaxMsgSize-10))}},
	}
	go func() {
		for _, m := range msgs {
			if err := Send(a, m.c, m.m, -1); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for _, want := range msgs {
		f, err := Recv(b, MaxMsgSize, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if f.Cmd != want.c || f.FD != -1 {
			t.Fatalf("got %s fd %d, want %s", f.Cmd, f.FD, want.c)
		}
		got, err := Decode(f.Cmd, f.Body)
		if err != nil {
			t.Fatal(err)
		}
		if want.m == nil {
			if got != nil || len(f.Body) != 0 {
				t.Fatalf("%s: want empty, got %v", f.Cmd, got)
			}
			continue
		}
		if !proto.Equal(got, want.m) {
			t.Fatalf("%s: got %v want %v", f.Cmd, got, want.m)
		}
	}
}

func TestFDPassing(t *testing.T) {
	a, b := pair(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	// Send the write end of a pipe along with a UDP_FD message; the
	// receiver writes through it and we read here.
	if err := Send(a, CmdUDPFD, &ipcpb.UdpFd{Hello: proto.Bool(false), Data: []byte("dgram")}, int(w.Fd())); err != nil {
		t.Fatal(err)
	}
	w.Close()
	f, err := Recv(b, MaxMsgSize, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if f.FD < 0 {
		t.Fatal("no descriptor received")
	}
	var m ipcpb.UdpFd
	if err := f.Unmarshal(&m); err != nil || m.GetHello() || string(m.GetData()) != "dgram" {
		t.Fatalf("body %v err %v", &m, err)
	}
	// Received descriptors are close-on-exec.
	flags, err := unix.FcntlInt(uintptr(f.FD), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("received fd flags %#x err %v, want FD_CLOEXEC", flags, err)
	}
	wf := f.File("pipe-w")
	if f.FD != -1 {
		t.Error("File did not take ownership")
	}
	if _, err := wf.WriteString("through the passed fd"); err != nil {
		t.Fatal(err)
	}
	wf.Close()
	r.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := io.ReadAll(r)
	if err != nil || string(got) != "through the passed fd" {
		t.Fatalf("read %q err %v", got, err)
	}
	// Default (fd-less) frames after one with a descriptor still work.
	if err := Send(a, CmdTerminate, nil, -1); err != nil {
		t.Fatal(err)
	}
	if f, err := Recv(b, MaxMsgSize, 5*time.Second); err != nil || f.Cmd != CmdTerminate || f.FD != -1 {
		t.Fatalf("got %+v err %v", f, err)
	}
}

func TestExtraDescriptorsClosed(t *testing.T) {
	a, b := pair(t)
	p1r, p1w, _ := os.Pipe()
	p2r, p2w, _ := os.Pipe()
	defer func() { p1r.Close(); p1w.Close(); p2r.Close(); p2w.Close() }()
	before := countFDs(t)
	frame := AppendFrame(nil, CmdTerminate, nil)
	if _, _, err := a.WriteMsgUnix(frame, unix.UnixRights(int(p1w.Fd()), int(p2w.Fd())), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Recv(b, MaxMsgSize, 5*time.Second); err == nil {
		t.Fatal("two descriptors accepted")
	}
	if after := countFDs(t); after != before {
		t.Errorf("descriptor leak: %d open before, %d after", before, after)
	}
}

func TestFDOnBodyDiscarded(t *testing.T) {
	a, b := pair(t)
	pr, pw, _ := os.Pipe()
	defer pr.Close()
	defer pw.Close()
	before := countFDs(t)
	frame := AppendFrame(nil, CmdTunMTU, []byte{8, 100})
	// Header without a descriptor, then the body with one attached.
	if _, err := a.Write(frame[:HeaderLen]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond) // let the header be read on its own
	errc := make(chan error, 1)
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _, err := a.WriteMsgUnix(frame[HeaderLen:], unix.UnixRights(int(pw.Fd())), nil)
		errc <- err
	}()
	f, err := Recv(b, MaxMsgSize, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if f.FD != -1 || !bytes.Equal(f.Body, []byte{8, 100}) {
		t.Fatalf("frame %+v", f)
	}
	if after := countFDs(t); after != before {
		t.Errorf("descriptor leak: %d open before, %d after", before, after)
	}
}

func TestRecvErrors(t *testing.T) {
	hdr := func(c Cmd, l uint32) []byte {
		b := []byte{byte(c), 0, 0, 0, 0}
		binary.NativeEndian.PutUint32(b[1:], l)
		return b
	}
	tests := []struct {
		name    string
		write   []byte
		close   bool
		max     int
		timeout time.Duration
		check   func(error) bool
	}{
		{"clean EOF", nil, true, MaxMsgSize, 5 * time.Second, func(err error) bool { return err == io.EOF }},
		{"EOF in header", []byte{4, 1}, true, MaxMsgSize, 5 * time.Second, func(err error) bool { return errors.Is(err, ErrTruncated) }},
		{"EOF in body", append(hdr(CmdTunMTU, 10), 1, 2, 3), true, MaxMsgSize, 5 * time.Second, func(err error) bool { return errors.Is(err, ErrTruncated) }},
		{"oversized", hdr(CmdSecAuthInit, 1<<31), false, MaxMsgSize, 5 * time.Second, func(err error) bool { return errors.Is(err, ErrTooLarge) }},
		{"over ctl limit", hdr(CmdSecAuthInit, MaxCtlRequest+1), false, MaxCtlRequest, 5 * time.Second, func(err error) bool { return errors.Is(err, ErrTooLarge) }},
		{"stalled body", append(hdr(CmdTunMTU, 10), 1), false, MaxMsgSize, 200 * time.Millisecond, func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }},
		{"silent peer", nil, false, MaxMsgSize, 200 * time.Millisecond, func(err error) bool { return errors.Is(err, os.ErrDeadlineExceeded) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := pair(t)
			if len(tt.write) > 0 {
				if _, err := a.Write(tt.write); err != nil {
					t.Fatal(err)
				}
			}
			if tt.close {
				a.Close()
			}
			start := time.Now()
			_, err := Recv(b, tt.max, tt.timeout)
			if !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
			if d := time.Since(start); d > tt.timeout+2*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestRecvBodyTimeoutWithoutOverall(t *testing.T) {
	a, b := pair(t)
	// Header now, body never: with timeout 0 the body gets BodyTimeout.
	if _, err := a.Write(AppendFrame(nil, CmdTunMTU, []byte{8, 1, 0})[:6]); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := Recv(b, MaxMsgSize, 0)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d < BodyTimeout-100*time.Millisecond || d > BodyTimeout+2*time.Second {
		t.Errorf("gave up after %v, want about %v", d, BodyTimeout)
	}
}

func TestPeerCred(t *testing.T) {
	a, b := pair(t)
	for _, c := range []*net.UnixConn{a, b} {
		cred, err := PeerCred(c)
		if err != nil {
			t.Fatal(err)
		}
		if int(cred.PID) != os.Getpid() || int(cred.UID) != os.Getuid() || int(cred.GID) != os.Getgid() {
			t.Errorf("cred %+v, want pid %d uid %d gid %d", cred, os.Getpid(), os.Getuid(), os.Getgid())
		}
	}
}

func TestCall(t *testing.T) {
	a, b := pair(t)
	go func() {
		f, err := Recv(b, MaxMsgSize, 5*time.Second)
		if err != nil {
			t.Error(err)
			return
		}
		var open ipcpb.SecmSessionOpen
		if err := f.Unmarshal(&open); err != nil {
			t.Error(err)
			return
		}
		Send(b, CmdSecmSessionReply, &ipcpb.SecmSessionReply{Reply: ipcpb.AuthRep_AUTH_OK.Enum(), Sid: open.Sid, Username: proto.String("bob")}, -1)
	}()
	var rep ipcpb.SecmSessionReply
	if err := Call(a, CmdSecmSessionOpen, &ipcpb.SecmSessionOpen{Sid: []byte("sid")}, CmdSecmSessionReply, &rep, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if rep.GetReply() != ipcpb.AuthRep_AUTH_OK || string(rep.GetSid()) != "sid" || rep.GetUsername() != "bob" {
		t.Fatalf("reply %v", &rep)
	}

	// A peer answering with the wrong command is an error.
	go func() {
		if _, err := Recv(b, MaxMsgSize, 5*time.Second); err == nil {
			Send(b, CmdSecmCliStats, &ipcpb.CliStats{}, -1)
		}
	}()
	if err := Call(a, CmdSecmReload, nil, CmdSecmReloadReply, nil, 5*time.Second); err == nil {
		t.Fatal("wrong reply command accepted")
	}

	// A peer that never answers makes Call fail within the timeout.
	start := time.Now()
	if err := Call(a, CmdSecmReload, nil, CmdSecmReloadReply, nil, 300*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestRequestAndNotify(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sm.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan Cmd, 4)
	go func() {
		for i := 0; i < 3; i++ {
			ln.SetDeadline(time.Now().Add(10 * time.Second))
			c, err := ln.AcceptUnix()
			if err != nil {
				return
			}
			f, err := Recv(c, MaxMsgSize, 5*time.Second)
			if err != nil {
				c.Close()
				return
			}
			got <- f.Cmd
			if f.Cmd == ResumeFetchReq {
				Send(c, ResumeFetchRep, &ipcpb.SessionResumeReply{Reply: ipcpb.SessionResumeReply_RESUME_OK.Enum(), SessionData: []byte("state")}, -1)
			}
			c.Close()
		}
	}()
	var rep ipcpb.SessionResumeReply
	if err := Request(path, ResumeFetchReq, &ipcpb.SessionResumeFetch{SessionId: []byte{1}}, ResumeFetchRep, &rep, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if rep.GetReply() != ipcpb.SessionResumeReply_RESUME_OK || string(rep.GetSessionData()) != "state" {
		t.Fatalf("reply %v", &rep)
	}
	if err := Notify(path, ResumeStoreReq, &ipcpb.SessionResumeStore{SessionId: []byte{1}}, false, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := Notify(path, CmdSecCliStats, &ipcpb.CliStats{BytesIn: proto.Uint64(1)}, true, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, want := range []Cmd{ResumeFetchReq, ResumeStoreReq, CmdSecCliStats} {
		select {
		case c := <-got:
			if c != want {
				t.Errorf("server got %s, want %s", c, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("server saw nothing")
		}
	}
	if err := Request(filepath.Join(t.TempDir(), "none"), ResumeFetchReq, nil, ResumeFetchRep, nil, time.Second); err == nil {
		t.Error("request to a missing socket succeeded")
	}
}

func TestStartup(t *testing.T) {
	in := &ipcpb.WorkerStartup{
		CmdFd: proto.Uint32(3), ConnFd: proto.Uint32(4), ConnType: ipcpb.ConnType_CONN_TYPE_TCP.Enum(),
		RemoteIpStr: proto.String("192.0.2.7"), SecAuthInitHmac: bytes.Repeat([]byte{7}, 32),
		SnapshotEntries: []*ipcpb.SnapshotEntry{{FileName: proto.String("/etc/ocserv/ocserv.conf"), Data: []byte("auth = x")}},
		SecmodPath:      proto.String("/run/ocserv.sock.0"),
	}
	s, err := EncodeStartup(in)
	if err != nil {
		t.Fatal(err)
	}
	out := &ipcpb.WorkerStartup{}
	if err := DecodeStartup(s, out); err != nil || !proto.Equal(in, out) {
		t.Fatalf("round trip: %v, %v", out, err)
	}
	for name, bad := range map[string]string{
		"not base64": "%%%",
		"not proto":  "/////w==",
		"too large":  strings.Repeat("A", MaxStartupSize+4),
	} {
		if err := DecodeStartup(bad, &ipcpb.WorkerStartup{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	huge := &ipcpb.WorkerStartup{SnapshotEntries: []*ipcpb.SnapshotEntry{{Data: make([]byte, MaxStartupSize)}}}
	if _, err := EncodeStartup(huge); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized start-up message: err = %v", err)
	}
}

func TestParseFDEnv(t *testing.T) {
	tests := []struct {
		v, name string
		want    int
		wantErr bool
	}{
		{"cmd=3,conn=4", "conn", 4, false},
		{"cmd=3", "cmd", 3, false},
		{"cmd=3", "conn", -1, true},
		{"cmd=x", "cmd", -1, true},
		{"cmd=1", "cmd", -1, true},
		{"", "cmd", -1, true},
		{"cmd", "cmd", -1, true},
	}
	for _, tt := range tests {
		got, err := parseFDEnv(tt.v, tt.name)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("parseFDEnv(%q, %q) = %d, %v", tt.v, tt.name, got, err)
		}
	}
	var h Inherit
	f, _ := os.Open(os.DevNull)
	defer f.Close()
	for _, n := range []string{"", "A", "a b", "a=1"} {
		if h.Add(n, f) == nil {
			t.Errorf("name %q accepted", n)
		}
	}
	if h.Add("ok", f) != nil || h.Add("ok", f) == nil {
		t.Error("duplicate handling wrong")
	}
}

func TestInheritExec(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Skip(err)
	}
	mine, theirs, err := Socketpair()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := FileConn(mine)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	devnull, _ := os.Open(os.DevNull)
	defer devnull.Close()

	cmd := exec.Command(exe, "-test.run=^$")
	cmd.ExtraFiles = []*os.File{devnull} // an earlier extra file shifts the numbers
	var h Inherit
	if err := h.Add("cmd", theirs); err != nil {
		t.Fatal(err)
	}
	st, err := StartupFile(&ipcpb.WorkerStartup{CmdFd: proto.Uint32(4)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := h.Add(StartupFDName, st); err != nil {
		t.Fatal(err)
	}
	h.Apply(cmd)
	cmd.Env = append(cmd.Env, childEnv+"=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if !strings.Contains(strings.Join(cmd.Env, "\n"), FDEnv+"=cmd=4") {
		t.Fatalf("env lacks %s=cmd=4", FDEnv)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	theirs.Close()
	f, rerr := Recv(conn, MaxMsgSize, 10*time.Second)
	werr := cmd.Wait()
	if rerr != nil || werr != nil {
		t.Fatalf("recv %v, child %v: %s", rerr, werr, stderr.String())
	}
	var m ipcpb.TunMtu
	if f.Cmd != CmdTunMTU || f.Unmarshal(&m) != nil || m.GetMtu() != 4 {
		t.Fatalf("child sent %s %v", f.Cmd, &m)
	}
}
