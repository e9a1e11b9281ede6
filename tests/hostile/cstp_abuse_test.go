package hostile

// Abuse of an established CSTP tunnel by an authenticated user: garbage
// instead of frames, a frame longer than any MTU, a frame header whose
// body never comes, and a DPD flood. The session ends where ocserv ends it,
// the attacker's worker stays bounded in memory and does not spin once the
// flood stops, and another user keeps pinging through the server.

import (
	"bytes"
	"crypto/rand"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// cstpCase is one attack written on an open tunnel.
type cstpCase struct {
	name string
	run  func(c *rawConn)
}

var cstpCases = []cstpCase{
	{"garbage", func(c *rawConn) {
		b := make([]byte, 64<<10)
		rand.Read(b)
		c.send(b, 5*time.Second)
	}},
	{"oversized-frame", func(c *rawConn) {
		// A data frame of 65,535 bytes: far above the MTU.
		c.send(cstpFrame(cstpData, bytes.Repeat([]byte{0x45}, 65535)), 5*time.Second)
	}},
	{"truncated-frame", func(c *rawConn) {
		c.send(cstpFrame(cstpData, nil)[:6], 5*time.Second)
		c.send([]byte{0xff, 0xff, cstpData, 0}, 5*time.Second)
	}},
	{"dpd-flood", cstpDPDFlood},
}

// cstpDPDFlood writes DPD requests for 5 s (at most 200,000 frames) while
// reading whatever the server answers.
func cstpDPDFlood(c *rawConn) {
	var got atomic.Int64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 64<<10)
		for {
			select {
			case <-stop:
				return
			default:
			}
			c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
			n, err := c.br.Read(buf)
			got.Add(int64(n))
			if err != nil && err != io.EOF && !cstpIsTimeout(err) {
				return
			}
		}
	}()
	// One frame per TLS record, as clients send them (ocserv 1.1.6 reads
	// one CSTP packet per record).
	dpd := cstpFrame(cstpDPDReq, nil)
	end := time.Now().Add(5 * time.Second)
	for i := 0; i < 200000 && time.Now().Before(end); i++ {
		if c.send(dpd, 3*time.Second) != nil {
			break
		}
	}
	close(stop)
	<-done
}

func cstpIsTimeout(err error) bool {
	type timeout interface{ Timeout() bool }
	te, ok := err.(timeout)
	return ok && te.Timeout()
}

// cstpOutcome is what happened to the attacker's session and the server.
type cstpOutcome struct {
	Ended      bool  // the server closed the attacker's connection within 10 s
	MaxRSSkB   int64 // the attacker's worker, largest VmRSS
	IdleTicks  int64 // CPU ticks the worker used in the 2 s after the attack (-1: gone)
	OtherPings bool  // bob's pings went through afterwards
}

func TestHostileCSTPAbuse(t *testing.T) {
	res := compareServers(t, func(t *testing.T, kind serverKind) map[string]cstpOutcome {
		r := newRig(t, 2)
		srv := startServer(t, r, kind, r.NewConfig())
		bob := connectUser(t, r, 1, "bob", false)
		out := map[string]cstpOutcome{}
		for _, cc := range cstpCases {
			out[cc.name] = cstpProbe(t, r, bob, cc)
			t.Logf("%s: %+v", cc.name, out[cc.name])
			if !srv.Running() {
				t.Fatalf("the server exited after %s\n%s", cc.name, tailString(srv.Log(), 20))
			}
		}
		return out
	})
	ours, ok := res[ourServer]
	if !ok {
		return
	}
	for _, cc := range cstpCases {
		o, real := ours[cc.name], res[realServer][cc.name]
		if !o.OtherPings {
			t.Errorf("ours, %s: another user's pings failed afterwards", cc.name)
		}
		if real.Ended && !o.Ended {
			t.Errorf("ours, %s: the session went on where ocserv ends it (%+v; real %+v)", cc.name, o, real)
		}
		if o.MaxRSSkB > workerRSSBound {
			t.Errorf("ours, %s: worker RSS reached %d kB, bound %d kB (real %d kB)", cc.name, o.MaxRSSkB, workerRSSBound, real.MaxRSSkB)
		}
		if o.IdleTicks > 150 {
			t.Errorf("ours, %s: the worker used %d CPU ticks in the 2 s after the attack (spinning)", cc.name, o.IdleTicks)
		}
	}
}

// cstpProbe opens alice's tunnel with a raw client, runs the attack and
// reports what happened.
func cstpProbe(t *testing.T, r *rig.Rig, bob *rig.Client, cc cstpCase) cstpOutcome {
	t.Helper()
	before := map[int]bool{}
	for _, p := range serverProcs(t, r, "ocserv-worker") {
		before[p.PID] = true
	}
	c, res := rawSession(t, r, 0, "alice", "X-CSTP-MTU: 1406", "X-CSTP-Base-MTU: 1500")
	defer c.Close()
	if res.Status != 200 {
		t.Fatalf("CONNECT: HTTP %d", res.Status)
	}
	pid := 0
	for _, p := range serverProcs(t, r, "ocserv-worker") {
		if !before[p.PID] {
			pid = p.PID
		}
	}
	if pid == 0 {
		t.Fatal("the attacker's worker was not found")
	}
	sample := memSampler(t, r)
	cc.run(c)
	var o cstpOutcome
	_, o.Ended = c.drainUntil(10 * time.Second)
	var samples int
	if o.MaxRSSkB, samples = sample(); samples == 0 {
		t.Fatalf("%s: no ocserv-worker was measured (the memory bound would prove nothing)", cc.name)
	}
	if t0 := cpuTicks(pid); t0 >= 0 {
		time.Sleep(2 * time.Second)
		if t1 := cpuTicks(pid); t1 >= 0 {
			o.IdleTicks = t1 - t0
		} else {
			o.IdleTicks = -1
		}
	} else {
		o.IdleTicks = -1
	}
	o.OtherPings = bob.Ping(r.ServerTunAddr(), 3) == nil
	return o
}
