package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestDTLS09 (internal/dtls09): openconnect with --dtls-ciphers set to each
// DTLS 0.9 suite establishes DTLS 0.9 (GnuTLS names it in its
// "Established DTLS connection" line), gets the X-DTLS-MTU ocserv gives
// (1406 for AES, 1422 for 3DES on a 1500 link), and a ping and a 5 MB
// transfer in each direction cross the tunnel over UDP. The server's first
// flight, captured with tshark, has the shape GnuTLS gives it: ServerHello,
// ChangeCipherSpec and Finished as three datagrams of fixed sizes.
func TestDTLS09(t *testing.T) {
	const size = 5 << 20
	cases := []struct {
		ciphers, want, mtu string
		flight             []int // UDP payload sizes of the server's first flight
	}{
		{"AES128-SHA", "(DTLS0.9)-(RSA)-(AES-128-CBC)-(SHA1)", "1406", []int{103, 16, 77}},
		{"AES256-SHA", "(DTLS0.9)-(RSA)-(AES-256-CBC)-(SHA1)", "1406", []int{103, 16, 77}},
		{"DES-CBC3-SHA", "(DTLS0.9)-(RSA)-(3DES-CBC)-(SHA1)", "1422", []int{103, 16, 69}},
	}
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			startKind(t, r, kind, dtlsConfig(r))
			for _, tc := range cases {
				t.Run(tc.ciphers, func(t *testing.T) {
					pcap := filepath.Join(r.Dir, tc.ciphers+".pcap")
					capture := startCapture(t, r, pcap)
					c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1",
						Args: []string{"-v", "--dtls-ciphers=" + tc.ciphers}})
					defer c.Disconnect()
					if got := waitDTLS(t, r, c, 15*time.Second); got != tc.want {
						t.Fatalf("DTLS ciphersuite %s, want %s", got, tc.want)
					}
					if got := headerValue(c.Log(), "X-DTLS-MTU"); got != tc.mtu {
						t.Errorf("X-DTLS-MTU %s, want %s", got, tc.mtu)
					}
					in0, out0 := udpCounters(t, r, c.NS)
					if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
						t.Fatalf("ping: %v", err)
					}
					srv := r.ServerTunAddr().String()
					tcpTransfer(t, r, c.NS, r.ServerNS, srv+":5001", srv+":5001", size)
					tcpTransfer(t, r, r.ServerNS, c.NS, c.IP().String()+":5002", c.IP().String()+":5002", size)
					in1, out1 := udpCounters(t, r, c.NS)
					// 5 MB in ~1.4 KB packets each way: thousands of datagrams.
					if in1-in0 < 3000 || out1-out0 < 3000 {
						t.Errorf("transfers did not go over UDP (datagrams in %d, out %d)", in1-in0, out1-out0)
					}
					if strings.Contains(c.Log(), "DTLS handshake failed") {
						t.Errorf("openconnect reported a failed DTLS handshake:\n%s", c.Log())
					}
					capture.Stop(3 * time.Second)
					if got := serverFlight(t, pcap, r.Link(0).ServerAddr.String()); !hasPrefix(got, tc.flight) {
						t.Errorf("server's first flight: datagrams of %v bytes, want %v", got, tc.flight)
					}
				})
			}
		})
	}
}

// startCapture records the UDP traffic of port 443 in the server namespace.
func startCapture(t *testing.T, r *rig.Rig, path string) *rig.Process {
	t.Helper()
	rig.RequireProgram(t, "tshark")
	p := r.Start(r.ServerNS, "tshark-"+filepath.Base(path), "tshark", "-i", "any", "-w", path, "udp port 443")
	if !rig.WaitFor(10*time.Second, func() bool { return strings.Contains(p.Log(), "Capturing on") || !p.Running() }) || !p.Running() {
		t.Fatalf("tshark did not start: %s", p.Log())
	}
	return p
}

// serverFlight returns the UDP payload sizes of the server's first flight:
// the first run of consecutive server datagrams, ended by the client's next
// datagram. ClientHellos the client retransmits before the server answers
// (a loaded machine) come before that run and are skipped; a retransmitted
// server flight may follow the first one inside the run, so callers compare
// a prefix.
func serverFlight(t *testing.T, pcap, server string) []int {
	t.Helper()
	if !rig.WaitFor(5*time.Second, func() bool { st, err := os.Stat(pcap); return err == nil && st.Size() > 0 }) {
		t.Fatalf("no capture in %s", pcap)
	}
	out, err := exec.Command("tshark", "-r", pcap, "-T", "fields", "-e", "ip.src", "-e", "udp.length").Output()
	if err != nil {
		t.Fatalf("tshark -r: %v", err)
	}
	var sizes []int
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		if f[0] != server {
			if len(sizes) > 0 {
				break
			}
			continue
		}
		if n, err := strconv.Atoi(f[1]); err == nil {
			sizes = append(sizes, n-8)
		}
	}
	return sizes
}

// hasPrefix reports whether got starts with want.
func hasPrefix(got, want []int) bool {
	return len(got) >= len(want) && equalInts(got[:len(want)], want)
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
