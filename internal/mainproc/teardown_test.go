package mainproc

import (
	"bytes"
	"net"
	"net/netip"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// waitSignal waits until w received sig.
func waitSignal(t *testing.T, w *fakeWorker, sig syscall.Signal, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !slices.Contains(w.signals(), sig) {
		if time.Now().After(deadline) {
			t.Fatalf("worker got %v, never %v", w.signals(), sig)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestMisbehavingWorkerTeardownOrder: a worker that sends a bad frame is
// SIGKILLed; until it has been reaped its address stays leased and its
// tun device is not touched; then the tun is deleted (while the lease is
// still held) and only then the lease is freed.
func TestMisbehavingWorkerTeardownOrder(t *testing.T) {
	tests := []struct {
		name string
		bad  func(c *net.UnixConn) error
	}{
		{"unknown command", func(c *net.UnixConn) error { return ipc.SendBytes(c, 99, nil, -1) }},
		{"garbage body", func(c *net.UnixConn) error { return ipc.SendBytes(c, ipc.CmdTunMTU, []byte{0xff, 0xff}, -1) }},
		{"oversized frame", func(c *net.UnixConn) error {
			_, err := c.Write([]byte{byte(ipc.CmdSessionInfo), 0xff, 0xff, 0xff, 0x7f})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			w := h.worker(t)
			w.mu.Lock()
			w.survivesKill = true // reaped only when the test says so
			w.mu.Unlock()
			if rep, _ := w.login(t, "sid-alice"); rep.GetReply() != ipcpb.AuthRep_AUTH_OK {
				t.Fatalf("login: %v", rep.GetReply())
			}
			if err := tt.bad(w.conn); err != nil {
				t.Fatal(err)
			}
			waitSignal(t, w, syscall.SIGKILL, 5*time.Second)
			if sigs := w.signals(); sigs[0] != syscall.SIGKILL {
				t.Errorf("worker got %v, want SIGKILL first", sigs)
			}
			// The worker still lives (not reaped): nothing may be freed.
			time.Sleep(200 * time.Millisecond)
			if n := h.s.leases.Len(); n != 1 {
				t.Fatalf("%d leases while the killed worker is not reaped yet, want 1", n)
			}
			if d := h.tun.deletedList(); len(d) != 0 {
				t.Fatalf("tun deleted before the worker was reaped: %v", d)
			}
			w.die()
			w.waitGone(t)
			if got := strings.Join(h.tun.deletedList(), ","); got != "vpns0#100 leases=1" {
				t.Errorf("tun deletions %q, want vpns0#100 deleted while its lease was still held", got)
			}
			if n := h.s.leases.Len(); n != 0 {
				t.Errorf("%d leases after the worker was reaped, want 0", n)
			}
		})
	}
}

// TestWorkerEndsTeardown: every way a session ends deletes its tun before
// its lease is freed, and a worker that closes its socket but does not
// exit is killed after the grace.
func TestWorkerEndsTeardown(t *testing.T) {
	tests := []struct {
		name     string
		end      func(w *fakeWorker)
		wantSigs []syscall.Signal
	}{
		{"worker exits", func(w *fakeWorker) { w.die() }, nil},
		{"socket closed, process lingers", func(w *fakeWorker) { w.conn.Close() }, []syscall.Signal{syscall.SIGKILL}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, "")
			w := h.worker(t, func(p *proc) { p.exitGrace = 300 * time.Millisecond })
			if rep, _ := w.login(t, "sid-alice"); rep.GetReply() != ipcpb.AuthRep_AUTH_OK {
				t.Fatalf("login: %v", rep.GetReply())
			}
			tt.end(w)
			w.waitGone(t)
			if got := w.signals(); !slices.Equal(got, tt.wantSigs) {
				t.Errorf("signals %v, want %v", got, tt.wantSigs)
			}
			if got := strings.Join(h.tun.deletedList(), ","); got != "vpns0#100 leases=1" {
				t.Errorf("tun deletions %q", got)
			}
			if n := h.s.leases.Len(); n != 0 {
				t.Errorf("%d leases at the end", n)
			}
		})
	}
}

// TestSigtermIgnoredEscalates: a worker told to go with SIGTERM (e.g. by
// occtl disconnect) that ignores it is SIGKILLed after the grace.
func TestSigtermIgnoredEscalates(t *testing.T) {
	h := newHarness(t, "")
	w := h.worker(t, func(p *proc) { p.exitGrace = 200 * time.Millisecond })
	h.s.mu.Lock()
	w.p.kill(syscall.SIGTERM)
	h.s.mu.Unlock()
	waitSignal(t, w, syscall.SIGKILL, 5*time.Second)
	w.waitGone(t)
}

// testClientHello is a DTLS 1.2 ClientHello datagram naming sid.
func testClientHello(sid []byte) []byte {
	var body []byte
	body = append(body, 0xfe, 0xfd)
	body = append(body, bytes.Repeat([]byte{7}, 32)...)
	body = append(body, byte(len(sid)))
	body = append(body, sid...)
	body = append(body, 0, 0, 2, 0xc0, 0x2b, 1, 0, 0, 0)
	hs := []byte{1, 0, byte(len(body) >> 8), byte(len(body)), 0, 0, 0, 0, 0, 0, byte(len(body) >> 8), byte(len(body))}
	hs = append(hs, body...)
	rec := []byte{22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, byte(len(hs) >> 8), byte(len(hs))}
	return append(rec, hs...)
}

// fillSocket writes to main's end of w's command socket until the socket
// buffer is full (w never reads).
func fillSocket(t *testing.T, w *fakeWorker) {
	t.Helper()
	c := w.p.conn
	// Take turns with main's own writers (sendWorker), whose deadline
	// handling would otherwise clear ours.
	w.p.sendMu.Lock()
	defer w.p.sendMu.Unlock()
	c.SetWriteDeadline(time.Now().Add(300 * time.Millisecond))
	defer c.SetWriteDeadline(time.Time{})
	body := make([]byte, 4096)
	for i := 0; i < 100000; i++ {
		if err := ipc.SendBytes(c, ipc.CmdTunMTU, body, -1); err != nil {
			return
		}
	}
	t.Fatal("socket buffer never filled")
}

// TestStalledWorkerStallsNobody: a worker that never reads its command
// socket (SIGSTOPped) gets a UDP hand-off. The UDP loop must not wait for
// it, another user must still log in, and the stalled worker is killed
// once the send deadline passed.
func TestStalledWorkerStallsNobody(t *testing.T) {
	h := newHarness(t, "")
	stalled := h.worker(t, func(p *proc) { p.sendTimeout = 500 * time.Millisecond })
	rep, _ := stalled.login(t, "sid-alice")
	if rep.GetReply() != ipcpb.AuthRep_AUTH_OK {
		t.Fatalf("login: %v", rep.GetReply())
	}
	fillSocket(t, stalled)

	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	local := pc.LocalAddr().(*net.UDPAddr).AddrPort()
	pc.Close() // udpSocketFor binds it again (SO_REUSEADDR)
	src := netip.MustParseAddrPort("127.0.0.1:40000")

	returned := make(chan struct{})
	go func() {
		h.s.udpDatagram(testClientHello(rep.GetSessionId()), src, local)
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(20 * time.Second):
		t.Fatal("the UDP loop is blocked by a worker that does not read")
	}

	other := h.worker(t)
	loggedIn := make(chan *ipcpb.AuthCookieReply, 1)
	go func() {
		r, _ := other.login(t, "sid-alice2")
		loggedIn <- r
	}()
	select {
	case r := <-loggedIn:
		if r.GetReply() != ipcpb.AuthRep_AUTH_OK {
			t.Errorf("other user's login: %v", r.GetReply())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("another user's login is blocked by the stalled worker")
	}

	waitSignal(t, stalled, syscall.SIGKILL, 20*time.Second)
	stalled.waitGone(t)
	if other.hasSignal(syscall.SIGKILL) {
		t.Error("the other worker was killed too")
	}
}

func (w *fakeWorker) hasSignal(sig syscall.Signal) bool { return slices.Contains(w.signals(), sig) }

// TestUDPHandOffBusyDrops: while a hand-off to a worker is pending, a
// second one is dropped (its descriptor closed) instead of queueing up.
func TestUDPHandOffBusyDrops(t *testing.T) {
	h := newHarness(t, "")
	w := h.worker(t)
	w.p.udpBusy.Store(true)
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.s.handOffUDP(w.p, netip.MustParseAddrPort("127.0.0.1:1"), true, []byte{1}, fd)
	if _, err := syscall.GetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_TYPE); err != syscall.EBADF {
		syscall.Close(fd)
		t.Errorf("dropped hand-off kept its descriptor open (getsockopt: %v)", err)
	}
	w.conn.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if f, err := ipc.Recv(w.conn, ipc.MaxMsgSize, 200*time.Millisecond); err == nil {
		t.Errorf("worker got %s although a hand-off was pending", f.Cmd)
	}
}

// TestSessionUndoOrder pins the order of a session's cleanup: the worker
// is stopped and reaped before anything it could still use is undone, and
// the tun device goes before the leases.
func TestSessionUndoOrder(t *testing.T) {
	h := newHarness(t, "")
	var names []string
	for _, st := range h.s.sessionUndo(&proc{}, endEOF) {
		names = append(names, st.name)
	}
	pos := func(n string) int { return slices.Index(names, n) }
	tests := []struct{ before, after string }{
		{"unlist", "stop worker"},
		{"stop worker", "close session"},
		{"stop worker", "iroutes"},
		{"stop worker", "delete tun"},
		{"delete tun", "release leases"},
	}
	for _, tt := range tests {
		if pos(tt.before) < 0 || pos(tt.after) < 0 || pos(tt.before) > pos(tt.after) {
			t.Errorf("cleanup order %v: want %q before %q", names, tt.before, tt.after)
		}
	}
	if names[len(names)-1] != "release leases" {
		t.Errorf("cleanup order %v: releasing the leases must be the last step", names)
	}
}
