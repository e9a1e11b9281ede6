package hostile

// Workers that stop answering or die, and a dying sec-mod:
//
//   - TestHostileStoppedWorker: alice's worker is SIGSTOPped and 3,000
//     DTLS ClientHellos carrying her DTLS session id arrive (each makes
//     main hand a UDP socket to her worker). Meanwhile main must go on
//     serving: bob logs in, gets DTLS and pings, occtl answers (show users,
//     disconnect user alice). After SIGCONT the disconnected worker goes
//     away.
//   - TestHostileKilledWorker: kill -9 of the worker of a raw-client session
//     (no openconnect that could reconnect): bob keeps pinging, the session
//     leaves occtl's list, its tun device is removed and its address is
//     free again (alice gets it back with predictable-ips).
//   - TestHostileKilledSecmod: kill -9 of sec-mod with users connected:
//     ours does what ocserv does (main exits) and leaves no worker and no
//     tun device behind.

import (
	"encoding/hex"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// stalledTunDevs lists the server namespace's tun devices of this rig.
func stalledTunDevs(t *testing.T, r *rig.Rig) []string {
	t.Helper()
	ifs, err := r.Interfaces(r.ServerNS)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, i := range ifs {
		if strings.HasPrefix(i, r.Device()) {
			out = append(out, i)
		}
	}
	return out
}

func TestHostileStoppedWorker(t *testing.T) {
	type outcome struct{ bobOK, occtlOK, disconnectOK, goneAfterCont bool }
	res := compareServers(t, func(t *testing.T, kind serverKind) outcome {
		r := newRig(t, 2)
		srv := startServer(t, r, kind, r.NewConfig())
		alice, resp := rawSession(t, r, 0, "alice", append([]string{"X-CSTP-MTU: 1406", "X-CSTP-Base-MTU: 1500"}, dtlsLegacyHeaders...)...)
		sid, err := hex.DecodeString(resp.Header.Get("X-DTLS-Session-ID"))
		if resp.Status != 200 || len(sid) != 32 {
			t.Fatalf("alice's CONNECT: HTTP %d, X-DTLS-Session-ID %q", resp.Status, resp.Header.Get("X-DTLS-Session-ID"))
		}
		ws := waitProcs(t, r, "ocserv-worker", 1, 10*time.Second)
		wpid := ws[0].PID
		if err := syscall.Kill(wpid, syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		defer syscall.Kill(wpid, syscall.SIGCONT)
		// DTLS ClientHellos for alice's session make main hand UDP sockets
		// to her stopped worker: 3,000 of them in 3 s.
		sent := stalledHellos(t, r, sid)
		t.Logf("%d ClientHellos with alice's DTLS session id sent to her stopped worker's main", sent)
		var o outcome
		c := r.StartClient(rig.ClientOptions{Link: 1, User: "bob", Password: "secret", Args: []string{"-v"}})
		if err := c.WaitUp(30 * time.Second); err != nil {
			t.Logf("bob while alice's worker is stopped: %v", err)
		} else {
			dtls := rig.WaitFor(20*time.Second, func() bool { return strings.Contains(c.Log(), "Established DTLS connection") })
			o.bobOK = dtls && c.Ping(r.ServerTunAddr(), 3) == nil
			t.Logf("bob: DTLS %v, ping ok %v", dtls, o.bobOK)
		}
		out, err := srv.Occtl("", "show", "users")
		o.occtlOK = err == nil && strings.Contains(out, "bob")
		t.Logf("occtl show users: err %v\n%s", err, out)
		_, err = srv.Occtl("", "disconnect", "user", "alice")
		o.disconnectOK = err == nil
		syscall.Kill(wpid, syscall.SIGCONT)
		o.goneAfterCont = rig.WaitFor(10*time.Second, func() bool { _, err := readStatus(wpid); return err != nil })
		t.Logf("%+v", o)
		alice.Close()
		if !srv.Running() {
			t.Fatalf("the server exited\n%s", tailString(srv.Log(), 20))
		}
		return o
	})
	o, ok := res[ourServer]
	if !ok {
		return
	}
	real := res[realServer]
	if !o.bobOK {
		t.Errorf("ours: bob could not log in, get DTLS and ping while alice's worker was stopped (real ocserv: %v)", real.bobOK)
	}
	if !o.occtlOK {
		t.Errorf("ours: occtl show users did not answer (with bob) while a worker was stopped (real ocserv: %v)", real.occtlOK)
	}
	if !o.disconnectOK {
		t.Errorf("ours: occtl disconnect user alice failed while her worker was stopped (real ocserv: %v)", real.disconnectOK)
	}
	if real.goneAfterCont && !o.goneAfterCont {
		t.Errorf("ours: alice's disconnected worker still runs 10 s after SIGCONT (the real ocserv's is gone)")
	}
}

func TestHostileKilledWorker(t *testing.T) {
	forEachServer(t, func(t *testing.T, kind serverKind) {
		r := newRig(t, 2)
		srv := startServer(t, r, kind, r.NewConfig())
		bob := connectUser(t, r, 1, "bob", false)
		before := map[int]bool{}
		for _, p := range serverProcs(t, r, "ocserv-worker") {
			before[p.PID] = true
		}
		c, resp := rawSession(t, r, 0, "alice", "X-CSTP-MTU: 1406", "X-CSTP-Base-MTU: 1500")
		ip, err := netip.ParseAddr(resp.Header.Get("X-CSTP-Address"))
		if resp.Status != 200 || err != nil {
			t.Fatalf("alice's CONNECT: HTTP %d, X-CSTP-Address %q", resp.Status, resp.Header.Get("X-CSTP-Address"))
		}
		var wpid int
		for _, p := range waitProcs(t, r, "ocserv-worker", 2, 10*time.Second) {
			if !before[p.PID] {
				wpid = p.PID
			}
		}
		if n := len(stalledTunDevs(t, r)); n != 2 {
			t.Fatalf("tun devices with two sessions: %d", n)
		}
		if err := syscall.Kill(wpid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		c.Close()
		r.WaitFor(10*time.Second, "alice's tun device removed", func() bool { return len(stalledTunDevs(t, r)) == 1 })
		r.WaitFor(10*time.Second, "alice gone from occtl show users", func() bool {
			out, err := srv.Occtl("", "show", "users")
			return err == nil && !strings.Contains(out, "alice") && strings.Contains(out, "bob")
		})
		if err := bob.Ping(r.ServerTunAddr(), 3); err != nil {
			t.Errorf("bob after alice's worker was killed: %v", err)
		}
		back := r.Connect(rig.ClientOptions{Link: 0, User: "alice", Password: "secret", NoDTLS: true})
		if back.IP() != ip {
			t.Errorf("alice came back with %v, want her freed address %v", back.IP(), ip)
		}
		if err := back.Ping(r.ServerTunAddr(), 2); err != nil {
			t.Errorf("alice after reconnecting: %v", err)
		}
	})
}

func TestHostileKilledSecmod(t *testing.T) {
	type outcome struct {
		mainExited   bool
		workersLeft  int
		tunDevsLeft  int
		secmodsAfter int
	}
	res := compareServers(t, func(t *testing.T, kind serverKind) outcome {
		r := newRig(t, 2)
		srv := startServer(t, r, kind, r.NewConfig())
		connectUser(t, r, 0, "alice", false)
		connectUser(t, r, 1, "bob", false)
		sms := waitProcs(t, r, "ocserv-sm", 1, 5*time.Second)
		if err := syscall.Kill(sms[0].PID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		var o outcome
		o.mainExited = srv.WaitExit(20 * time.Second)
		rig.WaitFor(10*time.Second, func() bool { return len(serverProcs(t, r, "ocserv-worker")) == 0 })
		o.workersLeft = len(serverProcs(t, r, "ocserv-worker"))
		rig.WaitFor(10*time.Second, func() bool { return len(stalledTunDevs(t, r)) == 0 })
		o.tunDevsLeft = len(stalledTunDevs(t, r))
		o.secmodsAfter = len(serverProcs(t, r, "ocserv-sm"))
		t.Logf("after kill -9 of sec-mod: %+v; log: %s", o, tailString(srv.Log(), 3))
		return o
	})
	o, ok := res[ourServer]
	if !ok {
		return
	}
	if real, ok := res[realServer]; ok && o.mainExited != real.mainExited {
		t.Errorf("ours: main exited %v after sec-mod was killed, the real ocserv's %v", o.mainExited, real.mainExited)
	}
	if o.mainExited && (o.workersLeft != 0 || o.tunDevsLeft != 0 || o.secmodsAfter != 0) {
		t.Errorf("ours left %d workers, %d tun devices, %d sec-mods after main exited", o.workersLeft, o.tunDevsLeft, o.secmodsAfter)
	}
}

// stalledHellos sends 3,000 DTLS ClientHellos with session id sid from
// link 0 to the server's UDP port, at most 1,000 a second, each from a new
// source port, and returns how many were sent.
func stalledHellos(t *testing.T, r *rig.Rig, sid []byte) int {
	t.Helper()
	sent := 0
	end := time.Now().Add(5 * time.Second)
	for sent < 3000 && time.Now().Before(end) {
		err := inNetns(r.Link(0).NS, func() error {
			for i := 0; i < 100; i++ {
				uc, err := net.Dial("udp", serverAddr(r, 0))
				if err != nil {
					return err
				}
				if _, err := uc.Write(dtlsClientHello(uint64(sent), sid)); err == nil {
					sent++
				}
				uc.Close()
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return sent
}
