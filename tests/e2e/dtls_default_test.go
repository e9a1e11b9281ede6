package e2e

import (
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestDTLSDefault (criterion 1): default openconnect establishes
// (DTLS1.2)-(PSK)-(AES-256-GCM) like the real ocserv; a 50 MB transfer
// crosses the tunnel and the client namespace's UDP counters show the data
// went over UDP (at least one datagram per 1.5 KB moved).
func TestDTLSDefault(t *testing.T) {
	const size = 50 << 20
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			startKind(t, r, kind, dtlsConfig(r))
			c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1", Args: []string{"-v"}})
			suite := waitDTLS(t, r, c, 15*time.Second)
			if suite != "(DTLS1.2)-(PSK)-(AES-256-GCM)" {
				t.Fatalf("DTLS ciphersuite %s, want (DTLS1.2)-(PSK)-(AES-256-GCM)", suite)
			}
			if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
				t.Fatalf("ping: %v", err)
			}
			in0, out0 := udpCounters(t, r, c.NS)
			srvAddr := r.ServerTunAddr().String()
			tcpTransfer(t, r, c.NS, r.ServerNS, srvAddr+":5001", srvAddr+":5001", size)
			tcpTransfer(t, r, r.ServerNS, c.NS, c.IP().String()+":5002", c.IP().String()+":5002", size)
			in1, out1 := udpCounters(t, r, c.NS)
			t.Logf("client UDP datagrams during 2×50 MB: in %d, out %d", in1-in0, out1-out0)
			if out1-out0 < size/1500 || in1-in0 < size/1500 {
				t.Fatalf("only %d/%d UDP datagrams out/in for 50 MB each way: data did not go over DTLS", out1-out0, in1-in0)
			}
			if err := c.Disconnect(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
