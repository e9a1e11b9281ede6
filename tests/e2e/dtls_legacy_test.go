package e2e

import (
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestDTLSLegacy (criterion 2): legacy DTLS 1.2 resumption and DTLS 0.9,
// each chosen with --dtls-ciphers, establishes and carries a ping.
func TestDTLSLegacy(t *testing.T) {
	cases := []struct{ ciphers, want string }{
		{"OC-DTLS1_2-AES128-GCM", "(DTLS1.2)-(RSA)-(AES-128-GCM)"},
		{"OC-DTLS1_2-AES256-GCM", "(DTLS1.2)-(RSA)-(AES-256-GCM)"},
		{"AES128-SHA", "(DTLS0.9)-(RSA)-(AES-128-CBC)-(SHA1)"},
		{"AES256-SHA", "(DTLS0.9)-(RSA)-(AES-256-CBC)-(SHA1)"},
		{"DES-CBC3-SHA", "(DTLS0.9)-(RSA)-(3DES-CBC)-(SHA1)"},
	}
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			startKind(t, r, kind, dtlsConfig(r))
			for _, tc := range cases {
				t.Run(tc.ciphers, func(t *testing.T) {
					c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1",
						Args: []string{"-v", "--dtls-ciphers=" + tc.ciphers}})
					defer c.Disconnect()
					if got := waitDTLS(t, r, c, 15*time.Second); got != tc.want {
						t.Fatalf("DTLS ciphersuite %s, want %s", got, tc.want)
					}
					in0, out0 := udpCounters(t, r, c.NS)
					if err := c.Ping(r.ServerTunAddr(), 5); err != nil {
						t.Fatalf("ping: %v", err)
					}
					in1, out1 := udpCounters(t, r, c.NS)
					if in1-in0 < 5 || out1-out0 < 5 {
						t.Fatalf("ping did not go over UDP (datagrams in %d, out %d)", in1-in0, out1-out0)
					}
				})
			}
		})
	}
}
