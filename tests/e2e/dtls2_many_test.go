package e2e

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestDTLSManyClients (criterion 4): 20 clients, all started at once,
// each establish DTLS and ping over UDP; `ss -uanp` in the server
// namespace shows exactly one connected UDP socket per worker, held by
// that worker alone, to its own client. Then, from client namespaces,
// datagrams main must not hand to another client's worker are sent to
// the server's UDP port: ClientHellos naming random session ids, a
// ClientHello naming another client's App-ID (sniffable: it travels in
// clear) and garbage application-data records (which main treats as a
// NAT-rebound flow of the sender's own session). Afterwards every
// client's original DTLS channel is still up (no new DTLS handshake, no
// dead peer) and passes traffic over UDP, the worker sockets are
// unchanged, main is alive and a 21st client connects with DTLS.
// The real ocserv runs first, then ours, in the same rig.
func TestDTLSManyClients(t *testing.T) {
	const n = 20
	r := rig.New(t, rig.Options{Clients: n + 1})
	users := make([]string, n+1)
	for i := range users {
		users[i] = fmt.Sprintf("user%02d", i)
		r.AddUser(users[i], "pw-"+users[i])
	}
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			cfg := dtlsConfig(r)
			port := udpPort(t, cfg)
			srv := startKind(t, r, kind, cfg)
			defer srv.Stop()
			start := time.Now()
			cs := make([]*rig.Client, n)
			for i := range cs {
				cs[i] = r.StartClient(rig.ClientOptions{Link: i, User: users[i], Password: "pw-" + users[i], Args: []string{"-v"}})
			}
			for i, c := range cs {
				if err := c.WaitUp(45 * time.Second); err != nil {
					t.Fatalf("client %d: %v\n%s", i, err, c.Log())
				}
			}
			for _, c := range cs {
				waitDTLS(t, r, c, 20*time.Second)
			}
			t.Logf("%d clients up with DTLS %v after the first was started", n, time.Since(start).Round(time.Millisecond))
			pingAllUDP(t, r, cs, "before")

			// One connected UDP socket per worker, to its own client.
			ws := waitWorkers(t, r, n)
			socks := workerSockets(t, r, ws, port, 0)
			peers := map[netip.Addr]bool{}
			for _, s := range socks {
				peers[s.Peer.Addr()] = true
			}
			for i := range cs {
				if !peers[r.Link(i).ClientAddr] {
					t.Errorf("no worker holds a UDP socket connected to client %d (%v)", i, r.Link(i).ClientAddr)
				}
			}

			// Forged datagrams from client namespaces 0 and 1.
			dst := netip.AddrPortFrom(r.Link(0).ServerAddr, uint16(port))
			dst1 := netip.AddrPortFrom(r.Link(1).ServerAddr, uint16(port))
			appID, err := hex.DecodeString(headerValue(cs[2].Log(), "X-DTLS-App-ID"))
			if err != nil || len(appID) != 32 {
				t.Fatalf("client 2's X-DTLS-App-ID not in its log (%v)", err)
			}
			before := make([]int, n)
			for i, c := range cs {
				before[i] = dtlsCount(c)
			}
			var forged [][]byte
			for range 5 {
				id := make([]byte, 32)
				copy(id, garbageRecord(32)[13:])
				forged = append(forged, forgedHello(id))
			}
			forged = append(forged, forgedHello(appID))
			for range 5 {
				forged = append(forged, garbageRecord(120))
			}
			forged = append(forged, []byte("garbage that is no DTLS record at all"), []byte{22}, []byte{})
			sendUDPFrom(t, r.Link(0).NS, dst, forged...)
			time.Sleep(3500 * time.Millisecond) // past main's 3 s UDP hand-over spacing
			sendUDPFrom(t, r.Link(1).NS, dst1, forgedHello(appID), garbageRecord(200))
			time.Sleep(2 * time.Second)

			if !srv.Running() {
				t.Fatalf("server exited after the forged datagrams\n%s", srv.Log())
			}
			pingAllUDP(t, r, cs, "after forged datagrams")
			for i, c := range cs {
				if !c.Running() {
					t.Errorf("client %d exited", i)
				}
				if got := dtlsCount(c); got != before[i] {
					t.Errorf("client %d: DTLS re-established (%d → %d) after the forged datagrams", i, before[i], got)
				}
				if deadPeerRE.MatchString(c.Log()) {
					t.Errorf("client %d: DTLS dead peer after the forged datagrams", i)
				}
			}
			// The ClientHello naming client 2's App-ID is routed to client
			// 2's worker (the App-ID is the routing key; ocserv does the
			// same): that worker may hold a second socket (connected to
			// the forger) while the
			// handshake that cannot complete times out. Every other socket
			// is unchanged and client 2's original one is still there.
			victim := 0
			for _, s := range socks {
				if s.Peer.Addr() == r.Link(2).ClientAddr {
					victim = s.PIDs[0]
				}
			}
			after := workerSockets(t, r, waitWorkers(t, r, n), port, victim)
			var afterOthers []udpSock
			for _, s := range after {
				if len(s.PIDs) != 1 || s.PIDs[0] != victim {
					afterOthers = append(afterOthers, s)
				}
			}
			var beforeOthers []udpSock
			for _, s := range socks {
				if s.PIDs[0] != victim {
					beforeOthers = append(beforeOthers, s)
				} else if !slices.Contains(sockKeys(after), sockKeys([]udpSock{s})[0]) {
					t.Errorf("client 2's worker lost its DTLS socket %v", sockKeys([]udpSock{s}))
				}
			}
			if !slices.Equal(sockKeys(beforeOthers), sockKeys(afterOthers)) {
				t.Errorf("worker UDP sockets changed:\nbefore %v\nafter  %v", sockKeys(beforeOthers), sockKeys(afterOthers))
			}
			if len(after) > len(socks) {
				t.Logf("client 2's worker got the forged ClientHello naming its App-ID: %d sockets now", len(after)-len(socks)+1)
			}

			// Main still accepts a new client, with DTLS.
			extra := r.Connect(rig.ClientOptions{Link: n, User: users[n], Password: "pw-" + users[n], Args: []string{"-v"}})
			waitDTLS(t, r, extra, 20*time.Second)
			if err := extra.Ping(r.ServerTunAddr(), 2); err != nil {
				t.Errorf("new client ping: %v", err)
			}
			extra.Disconnect()
			for _, c := range cs {
				c.Disconnect()
			}
			waitWorkers(t, r, 0)
		})
	}
}

// workerSockets checks that the server namespace's connected UDP sockets
// on port are one per worker (two allowed for worker pid two), each held
// by that worker only, and returns them.
func workerSockets(t *testing.T, r *rig.Rig, ws []procInfo, port, two int) []udpSock {
	t.Helper()
	isWorker := map[int]bool{}
	for _, w := range ws {
		isWorker[w.PID] = true
	}
	perPID := map[int]int{}
	var out []udpSock
	for _, s := range connectedUDP(t, r) {
		if int(s.Local.Port()) != port {
			continue
		}
		out = append(out, s)
		if len(s.PIDs) != 1 || !isWorker[s.PIDs[0]] {
			t.Errorf("UDP socket %v→%v held by %v, want exactly one worker", s.Local, s.Peer, s.PIDs)
			continue
		}
		perPID[s.PIDs[0]]++
	}
	for _, w := range ws {
		if perPID[w.PID] != 1 && (w.PID != two || perPID[w.PID] != 2) {
			t.Errorf("worker %d holds %d connected UDP sockets, want 1", w.PID, perPID[w.PID])
		}
	}
	return out
}

func sockKeys(ss []udpSock) []string {
	var k []string
	for _, s := range ss {
		k = append(k, fmt.Sprintf("%v>%v%v", s.Local, s.Peer, s.PIDs))
	}
	slices.Sort(k)
	return k
}

// pingAllUDP pings the server from every client and checks each client
// namespace's UDP counters moved (the pings went over DTLS).
func pingAllUDP(t *testing.T, r *rig.Rig, cs []*rig.Client, when string) {
	t.Helper()
	in0 := make([]int64, len(cs))
	out0 := make([]int64, len(cs))
	for i, c := range cs {
		in0[i], out0[i] = udpCounters(t, r, c.NS)
	}
	for i, err := range pingAll(r, cs) {
		t.Errorf("%s: client %d ping: %v", when, i, err)
	}
	for i, c := range cs {
		in1, out1 := udpCounters(t, r, c.NS)
		if in1-in0[i] < 2 || out1-out0[i] < 2 {
			t.Errorf("%s: client %d's pings moved %d/%d UDP datagrams in/out: not over DTLS", when, i, in1-in0[i], out1-out0[i])
		}
	}
}
