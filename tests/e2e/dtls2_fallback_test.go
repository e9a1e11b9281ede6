package e2e

import (
	"regexp"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// Bounds from openconnect 9's DTLS state machine (dtls.c, gnutls-dtls.c,
// mainloop.c keepalive_action):
//   - the client's DTLS DPD interval is the smaller of its own and the
//     server's X-DTLS-DPD; it declares the DTLS peer dead when nothing
//     arrived over UDP for more than 2×DPD, then sends over CSTP and at once
//     starts a new DTLS handshake (dtls_reconnect);
//   - a DTLS handshake is given 12 s; when it fails the client sleeps for
//     dtls_attempt_period, which the openconnect program fixes at 60 s
//     (openconnect_setup_dtls(vpninfo, 60); no header or option changes
//     it), before the next attempt.
//
// So once UDP is allowed again DTLS is back within 12 s + 60 s of the
// dead-peer detection: within 12 s when the retransmitted ClientHello of
// the handshake started at that moment gets through, else at the next
// attempt 60 s after that handshake failed.
const (
	ocHandshakeWindow = 12 * time.Second
	ocAttemptPeriod   = 60 * time.Second
)

var deadPeerRE = regexp.MustCompile(`DTLS Dead Peer Detection detected dead peer`)

// TestDTLSFallback (criterion 3): DTLS is up; UDP to and from the server's
// port is dropped inside the client namespace only (nftables DROP: the
// client's sends succeed and vanish, so the client does not give up on
// DTLS by itself and the dead-peer and switch-to-tcp-timeout logic decides).
// Traffic continues over CSTP within switch-to-tcp-timeout + DPD; when
// UDP is allowed again DTLS is re-established within openconnect's retry
// bound (above) and traffic goes over UDP again. The real ocserv and ours
// run in parallel, each in its own rig, and must both pass.
func TestDTLSFallback(t *testing.T) {
	const dpd, switchTCP = 3, 5
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			cfg := dtlsConfig(r).Set("dpd", "3").Set("switch-to-tcp-timeout", "5")
			port := udpPort(t, cfg)
			startKind(t, r, kind, cfg)
			c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1", Args: []string{"-v"}})
			waitDTLS(t, r, c, 15*time.Second)
			if got := headerValue(c.Log(), "X-DTLS-DPD"); got != "3" {
				t.Fatalf("X-DTLS-DPD %q, want 3", got)
			}
			if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
				t.Fatalf("ping over DTLS: %v", err)
			}
			before := dtlsCount(c)

			blockUDP(t, r, c.NS, port)
			blocked := time.Now()
			bound := (switchTCP + dpd) * time.Second
			var over time.Duration
			for time.Since(blocked) < bound+10*time.Second {
				if _, err := r.ExecTimeout(5*time.Second, c.NS, "ping", "-c", "1", "-W", "1", r.ServerTunAddr().String()); err == nil {
					over = time.Since(blocked)
					break
				}
			}
			if over == 0 {
				unblockUDP(t, r, c.NS)
				t.Fatalf("no traffic within %v of dropping UDP\n%s", bound+10*time.Second, tailLines(c.Log(), 30))
			}
			t.Logf("traffic over CSTP %v after UDP was dropped (bound switch-to-tcp-timeout + DPD = %v)", over.Round(100*time.Millisecond), bound)
			// ping's own granularity (1 s wait per try) on top of the bound.
			if over > bound+2*time.Second {
				t.Errorf("traffic resumed over CSTP only after %v, want within %v", over, bound)
			}
			if !deadPeerRE.MatchString(c.Log()) {
				t.Errorf("openconnect did not report a dead DTLS peer:\n%s", tailLines(c.Log(), 30))
			}
			// The data really is on CSTP now: a few more pings while UDP is dropped.
			if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
				t.Errorf("ping over CSTP with UDP dropped: %v", err)
			}
			dead := time.Now() // no later than the dead-peer detection + the pings

			unblockUDP(t, r, c.NS)
			unblocked := time.Now()
			limit := ocHandshakeWindow + ocAttemptPeriod + 5*time.Second - time.Since(dead)
			r.WaitFor(limit, "DTLS re-established after UDP is allowed again", func() bool { return dtlsCount(c) > before })
			t.Logf("DTLS back %v after UDP was allowed again (bound %v)", time.Since(unblocked).Round(100*time.Millisecond), limit.Round(time.Second))
			in0, out0 := udpCounters(t, r, c.NS)
			if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
				t.Fatalf("ping after DTLS came back: %v", err)
			}
			in1, out1 := udpCounters(t, r, c.NS)
			if in1-in0 < 3 || out1-out0 < 3 {
				t.Errorf("3 pings after DTLS came back moved %d/%d UDP datagrams in/out: not over DTLS", in1-in0, out1-out0)
			}
			if err := c.Disconnect(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
