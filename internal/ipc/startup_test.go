package ipc

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

func testStartupMsg() *ipcpb.WorkerStartup {
	return &ipcpb.WorkerStartup{
		CmdFd: proto.Uint32(3), ConnFd: proto.Uint32(4),
		RemoteIpStr: proto.String("192.0.2.7"), SecAuthInitHmac: bytes.Repeat([]byte{7}, 32),
		SnapshotEntries: []*ipcpb.SnapshotEntry{{FileName: proto.String("/etc/ocserv/ocserv.conf"), Data: []byte("auth = x")}},
	}
}

// TestStartupFile: the memfd round trip, its seals and mode, and the
// refusals of descriptors that are not a sealed start-up file.
func TestStartupFile(t *testing.T) {
	in := testStartupMsg()
	f, err := StartupFile(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil || st.Mode&0o7777 != 0 {
		t.Errorf("memfd mode %#o (%v), want 0", st.Mode&0o7777, err)
	}
	if _, err := f.Write([]byte("x")); err == nil {
		t.Error("sealed memfd accepted a write")
	}
	if fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("memfd not close-on-exec (%#x, %v)", fl, err)
	}
	out := &ipcpb.WorkerStartup{}
	if err := ReadStartupFile(f, out); err != nil || !proto.Equal(in, out) {
		t.Fatalf("round trip: %v, %v", out, err)
	}

	unsealed := func(content []byte) *os.File {
		fd, err := unix.MemfdCreate("t", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
		if err != nil {
			t.Fatal(err)
		}
		g := os.NewFile(uintptr(fd), "t")
		g.Write(content)
		return g
	}
	good, _ := proto.Marshal(in)
	huge := unsealed(nil)
	if err := huge.Truncate(MaxStartupFileSize + 1); err != nil {
		t.Fatal(err)
	}
	unix.FcntlInt(huge.Fd(), unix.F_ADD_SEALS, startupSeals)
	empty := unsealed(nil)
	unix.FcntlInt(empty.Fd(), unix.F_ADD_SEALS, startupSeals)
	garbage := unsealed([]byte{0xff, 0xff, 0xff})
	unix.FcntlInt(garbage.Fd(), unix.F_ADD_SEALS, startupSeals)
	devnull, _ := os.Open(os.DevNull)
	for name, bad := range map[string]*os.File{
		"unsealed memfd":   unsealed(good),
		"regular device":   devnull,
		"oversized memfd":  huge,
		"empty memfd":      empty,
		"not a proto body": garbage,
	} {
		if err := ReadStartupFile(bad, &ipcpb.WorkerStartup{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
		bad.Close()
	}
	if err := ReadStartupFile(huge, &ipcpb.WorkerStartup{}); err == nil {
		t.Error("closed descriptor accepted")
	}

	big := &ipcpb.WorkerStartup{SnapshotEntries: []*ipcpb.SnapshotEntry{{Data: make([]byte, MaxStartupFileSize)}}}
	if _, err := StartupFile(big); !errors.Is(err, ErrTooLarge) {
		t.Errorf("oversized start-up message: err = %v", err)
	}
}

// TestWorkerStartupMissing: without the inherited descriptor the worker
// gets a clear error, whatever the environment says.
func TestWorkerStartupMissing(t *testing.T) {
	for _, v := range []string{"", "cmd=3", "startup=x", "startup=1"} {
		t.Setenv(FDEnv, v)
		_, err := WorkerStartup()
		if err == nil || !strings.Contains(err.Error(), "start-up message") {
			t.Errorf("%s=%q: err = %v", FDEnv, v, err)
		}
	}
}

// FuzzUnmarshalStartup: the worker's start-up parser returns errors on
// arbitrary memfd content, never panics, and what it accepts re-marshals.
func FuzzUnmarshalStartup(f *testing.F) {
	good, _ := proto.Marshal(testStartupMsg())
	f.Add(good)
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f})
	f.Fuzz(func(t *testing.T, data []byte) {
		var m ipcpb.WorkerStartup
		if err := UnmarshalStartup(data, &m); err == nil {
			if _, err := proto.Marshal(&m); err != nil {
				t.Fatalf("accepted message does not re-marshal: %v", err)
			}
		}
	})
}
