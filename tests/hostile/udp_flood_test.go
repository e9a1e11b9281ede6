package hostile

// A UDP flood at the DTLS port (random datagrams and forged DTLS
// ClientHellos with random session ids), rate- and time-bounded, while a
// DTLS user keeps pinging through the tunnel. The user's pings must go
// through and ours must log at most a few lines for the whole flood at
// debug level 2, info (the issue measured 16 lines for ours, 65,000 for ocserv:
// keep it so).

import (
	"crypto/rand"
	mrand "math/rand"
	"net"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

const (
	udpFloodDuration = 4 * time.Second
	udpFloodBatch    = 200                   // datagrams per batch
	udpFloodPause    = 10 * time.Millisecond // between batches: at most 20,000/s
	udpFloodMax      = 80000                 // datagrams in all
	udpFloodLogBound = 100                   // lines ours may log during the flood
	udpFloodDebug    = 2                     // the servers' -d level
)

// udpFlood sends the flood on c and returns the datagrams sent.
func udpFlood(c *net.UDPConn) int {
	end := time.Now().Add(udpFloodDuration)
	sent := 0
	junk := make([]byte, 1400)
	for sent < udpFloodMax && time.Now().Before(end) {
		for i := 0; i < udpFloodBatch; i++ {
			var d []byte
			if sent%2 == 0 {
				d = dtlsClientHello(uint64(sent), nil)
			} else {
				d = junk[:1+mrand.Intn(len(junk))]
				rand.Read(d)
			}
			c.SetWriteDeadline(time.Now().Add(time.Second))
			if _, err := c.Write(d); err == nil {
				sent++
			}
		}
		time.Sleep(udpFloodPause)
	}
	return sent
}

// udpOutcome is what one server did under the flood.
type udpOutcome struct {
	Sent           int // datagrams of the flood
	Pings, PingsOK int
	LogLines       int // lines the server logged during the flood
	ServerAlive    bool
}

func TestHostileUDPFlood(t *testing.T) {
	res := compareServers(t, func(t *testing.T, kind serverKind) udpOutcome {
		r := newRig(t, 2)
		// Debug level 2 (info): ocserv logs every forged datagram there,
		// ours rate-limits; at level 3 (debug) both log per datagram.
		srv := r.StartServer(r.NewConfig(), rig.ServerOptions{Binary: serverBinary(t, kind), Debug: udpFloodDebug})
		bob := connectUser(t, r, 1, "bob", true)
		uc, err := nsUDP(r.Link(0).NS, serverAddr(r, 0))
		if err != nil {
			t.Fatal(err)
		}
		defer uc.Close()
		var o udpOutcome
		lines := logLines(srv)
		stop := make(chan struct{})
		pings := pingLoop(r, bob, 300*time.Millisecond, stop)
		o.Sent = udpFlood(uc)
		close(stop)
		o.Pings, o.PingsOK = pings()
		time.Sleep(time.Second)
		o.LogLines = logLines(srv) - lines
		o.ServerAlive = srv.Running()
		t.Logf("flood of %d datagrams: %d/%d pings answered, %d log lines; log sample:\n%s", o.Sent, o.PingsOK, o.Pings, o.LogLines, tailString(logSince(srv, lines), 5))
		if !o.ServerAlive {
			t.Fatalf("the server exited under the flood\n%s", tailString(srv.Log(), 20))
		}
		// The DTLS user is still fine after the flood.
		if err := bob.Ping(r.ServerTunAddr(), 3); err != nil {
			t.Errorf("bob's ping after the flood: %v", err)
		}
		return o
	})
	o, ok := res[ourServer]
	if !ok {
		return
	}
	if o.Sent < udpFloodMax/10 {
		t.Fatalf("only %d datagrams of the flood could be sent", o.Sent)
	}
	if o.Pings == 0 || o.PingsOK*2 < o.Pings {
		t.Errorf("ours: the DTLS user's pings during the flood: %d of %d answered (real ocserv: %d of %d)", o.PingsOK, o.Pings, res[realServer].PingsOK, res[realServer].Pings)
	}
	if o.LogLines > udpFloodLogBound {
		t.Errorf("ours logged %d lines during a flood of %d datagrams, bound %d (real ocserv: %d)", o.LogLines, o.Sent, udpFloodLogBound, res[realServer].LogLines)
	}
}
