package e2e

import (
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestDTLSMTU (criterion 5): the X-CSTP-Base-MTU, X-CSTP-MTU and
// X-DTLS-MTU headers equal the real ocserv's for the same configuration
// and client (PSK, legacy DTLS 1.2, DTLS 0.9, no DTLS), and a 1400-byte
// ping crosses the tunnel over DTLS.
func TestDTLSMTU(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"psk", nil},
		{"legacy12", []string{"--dtls-ciphers=OC-DTLS1_2-AES128-GCM"}},
		{"dtls09", []string{"--dtls-ciphers=AES128-SHA"}},
		{"base-mtu-1400", []string{"--base-mtu=1400"}},
	}
	headers := []string{"X-CSTP-Base-MTU", "X-CSTP-MTU", "X-DTLS-MTU"}
	got := map[serverKind]map[string][]string{}
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			startKind(t, r, kind, dtlsConfig(r))
			got[kind] = map[string][]string{}
			for _, tc := range cases {
				c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1", Args: append([]string{"-v"}, tc.args...)})
				waitDTLS(t, r, c, 15*time.Second)
				log := c.Log()
				for _, h := range headers {
					got[kind][tc.name] = append(got[kind][tc.name], h+"="+headerValue(log, h))
				}
				if tc.name == "psk" {
					// 1400-byte ICMP payload: 1428-byte packets.
					if _, err := r.ExecTimeout(20*time.Second, c.NS, "ping", "-c", "3", "-W", "2", "-s", "1400", r.ServerTunAddr().String()); err != nil {
						t.Errorf("1400-byte ping: %v", err)
					}
				}
				t.Logf("%s: %v", tc.name, got[kind][tc.name])
				if err := c.Disconnect(); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
	real, ours := got[realServer], got[ourServer]
	if real == nil || ours == nil {
		return
	}
	for _, tc := range cases {
		for i := range headers {
			if real[tc.name][i] != ours[tc.name][i] {
				t.Errorf("%s: ours %s, real ocserv %s", tc.name, ours[tc.name][i], real[tc.name][i])
			}
		}
	}
}
