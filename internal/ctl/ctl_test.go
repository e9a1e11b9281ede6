package ctl

import (
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
	"github.com/ocserv-go/ocserv/internal/ipc"
)

func TestRequestRoundTrip(t *testing.T) {
	tests := []Request{
		{Cmd: CmdStatus},
		{Cmd: CmdTop},
		{Cmd: CmdUserInfo, Username: "alice"},
		{Cmd: CmdDisconnectName, Username: ""},
		{Cmd: CmdIDInfo, ID: 19000},
		{Cmd: CmdDisconnectID, ID: -1},
		{Cmd: CmdUnbanIP, IP: netip.MustParseAddr("10.251.0.2")},
		{Cmd: CmdUnbanIP, IP: netip.MustParseAddr("fd00::1")},
	}
	for _, r := range tests {
		b, err := EncodeRequest(r)
		if err != nil {
			t.Fatalf("%s: %v", r.Cmd, err)
		}
		got, err := DecodeRequest(r.Cmd, b)
		if err != nil {
			t.Fatalf("%s: %v", r.Cmd, err)
		}
		if got != r {
			t.Errorf("%s: round trip %+v, want %+v", r.Cmd, got, r)
		}
	}
}

// Wire bytes pinned to what ocserv/occtl exchange (occtl.md §7).
func TestWireBytes(t *testing.T) {
	b, _ := EncodeRequest(Request{Cmd: CmdIDInfo, ID: 19000})
	// zig-zag: 19000 -> 38000 = 0xf0 0xa8 0x02
	if hex.EncodeToString(b) != "08f0a802" {
		t.Errorf("id_req = %x", b)
	}
	m := &ctlpb.BoolMsg{Status: proto.Bool(true)}
	b, _ = proto.Marshal(m)
	if hex.EncodeToString(b) != "0801" {
		t.Errorf("bool_msg = %x", b)
	}
	bl := &ctlpb.BanListRep{Info: []*ctlpb.BanInfoRep{{Ip: []byte{10, 251, 0, 2}, Score: proto.Uint32(1)}}}
	b, _ = proto.Marshal(bl)
	if hex.EncodeToString(b) != "0a080a040afb00021001" {
		t.Errorf("ban_list_rep = %x", b)
	}
}

func TestDecodeRequestRefuses(t *testing.T) {
	tests := []struct {
		name string
		cmd  Cmd
		body []byte
	}{
		{"unknown", 99, nil},
		{"reply number", CmdStatusRep, nil},
		{"missing username", CmdUserInfo, nil},
		{"missing id", CmdIDInfo, nil},
		{"bad ip length", CmdUnbanIP, []byte{0x0a, 0x03, 1, 2, 3}},
		{"garbage", CmdDisconnectID, []byte{0xff, 0xff}},
		{"too large", CmdStatus, make([]byte, MaxRequest+1)},
	}
	for _, tt := range tests {
		if _, err := DecodeRequest(tt.cmd, tt.body); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, err := DecodeRequest(77, nil); !errors.Is(err, ErrUnknownCmd) {
		t.Errorf("unknown: %v", err)
	}
}

func TestRequiredFieldsEnforced(t *testing.T) {
	// A reply missing a required field must not be produced (protobuf-c
	// would reject it).
	if _, err := proto.Marshal(&ctlpb.UserInfoRep{Id: proto.Int32(1)}); err == nil {
		t.Error("incomplete user_info_rep marshalled")
	}
}

func TestSafeID(t *testing.T) {
	got := SafeID([]byte("abc"))
	if string(got) != "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=" || len(got) != 28 {
		t.Errorf("SafeID = %q", got)
	}
}

func TestReplyFor(t *testing.T) {
	for c := Cmd(0); c < 255; c++ {
		r, ok := ReplyFor(c)
		if ok != c.IsRequest() {
			t.Errorf("%d: ReplyFor ok=%v IsRequest=%v", c, ok, c.IsRequest())
		}
		if ok && r.String() == "" {
			t.Errorf("%d: no name", r)
		}
	}
}

// fakeServer answers one connection with the given frames.
func fakeServer(t *testing.T, frames func(c *net.UnixConn)) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ctl.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		c, err := l.AcceptUnix()
		if err != nil {
			return
		}
		defer c.Close()
		frames(c)
	}()
	return path
}

func TestCallAndTop(t *testing.T) {
	path := fakeServer(t, func(c *net.UnixConn) {
		f, err := ipc.Recv(c, MaxRequest, time.Second)
		if err != nil || Cmd(f.Cmd) != CmdStatus {
			return
		}
		ipc.Send(c, ipc.Cmd(CmdStatusRep), fullStatus(), -1)
	})
	var st ctlpb.StatusRep
	if err := Call(path, CmdStatus, nil, &st, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if st.GetPid() != 42 {
		t.Errorf("pid %d", st.GetPid())
	}

	path = fakeServer(t, func(c *net.UnixConn) {
		if _, err := ipc.Recv(c, MaxRequest, time.Second); err != nil {
			return
		}
		ipc.Send(c, ipc.Cmd(CmdListRep), &ctlpb.UserListRep{}, -1)
		ev := &ctlpb.TopUpdateRep{Connected: proto.Uint32(1), User: &ctlpb.UserListRep{}}
		ipc.Send(c, ipc.Cmd(CmdTopUpdateRep), ev, -1)
	})
	ts, err := Top(path, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer ts.Close()
	ev, err := ts.Next(2 * time.Second)
	if err != nil || ev.GetConnected() != 1 {
		t.Fatalf("event %v, %v", ev, err)
	}
	if _, err := ts.Next(2 * time.Second); err == nil {
		t.Error("no error at the end of the stream")
	}
}

func TestCallWrongReply(t *testing.T) {
	path := fakeServer(t, func(c *net.UnixConn) {
		ipc.Recv(c, MaxRequest, time.Second)
		ipc.SendBytes(c, ipc.Cmd(CmdStopRep), []byte{8, 1}, -1)
	})
	var st ctlpb.StatusRep
	if err := Call(path, CmdStatus, nil, &st, 2*time.Second); !errors.Is(err, ErrUnexpectedReply) {
		t.Errorf("err = %v", err)
	}
	path = fakeServer(t, func(c *net.UnixConn) { ipc.Recv(c, MaxRequest, time.Second) })
	if _, _, err := Do(path, 99, nil, 2*time.Second); err == nil {
		t.Error("no error for a closed connection")
	}
}

func fullStatus() *ctlpb.StatusRep {
	z32, z64 := proto.Uint32(0), proto.Uint64(0)
	return &ctlpb.StatusRep{
		Status: proto.Bool(true), Pid: proto.Uint32(42), ActiveClients: z32, StartTime: z32,
		StoredTlsSessions: z32, BannedIps: z32, SecmodClientEntries: z32,
		SessionTimeouts: z64, SessionIdleTimeouts: z64, SessionErrors: z64, SessionsClosed: z64,
		KbytesIn: z64, KbytesOut: z64, MinMtu: z32, MaxMtu: z32, LastReset: z32,
		AvgAuthTime: z32, AvgSessionMins: z32, MaxAuthTime: z32, MaxSessionMins: z32,
		AuthFailures: z64, TotalSessionsClosed: z64, TotalAuthFailures: z64,
	}
}

func FuzzDecodeRequest(f *testing.F) {
	f.Add(uint8(CmdIDInfo), []byte{0x08, 0xf0, 0xa8, 0x02})
	f.Add(uint8(CmdUnbanIP), []byte{0x0a, 0x04, 10, 0, 0, 1})
	f.Add(uint8(CmdUserInfo), []byte{0x0a, 0x01, 'a'})
	f.Fuzz(func(t *testing.T, cmd uint8, body []byte) {
		r, err := DecodeRequest(Cmd(cmd), body)
		if err != nil {
			return
		}
		b, err := EncodeRequest(r)
		if err != nil {
			t.Fatalf("decoded %+v does not encode: %v", r, err)
		}
		if r2, err := DecodeRequest(r.Cmd, b); err != nil || r2 != r {
			t.Fatalf("re-decode %+v %v, want %+v", r2, err, r)
		}
	})
}
