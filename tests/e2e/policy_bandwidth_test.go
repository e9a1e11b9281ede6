package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// Bounds of the measured rate, as a fraction of the configured one (the
// issue's acceptance range; ocserv 1.1.6 gives 1.04–1.20× at 1,000,000
// bytes/s). Not a speed threshold: the limit is what is measured.
const (
	bwMinRatio = 0.5
	bwMaxRatio = 1.25
	// bwSeconds is the length of one iperf3 run.
	bwSeconds = 5
	// bwMinDatagrams: fewer UDP datagrams either way during the DTLS
	// user's runs mean the data went over CSTP.
	bwMinDatagrams = 1000
)

// TestPolicyBandwidth: rx-data-per-sec / tx-data-per-sec limit a user's
// throughput in each direction. rx is what the server receives from the
// client (iperf3 upload), tx what it sends (iperf3 -R). alice gets the
// global limits (1,000,000 bytes/s both ways) over DTLS; bob, over CSTP
// only, gets rx 200,000 from his config-per-user file (over his group's
// 800,000) and tx 600,000 from his group "slow"'s config-per-group file
// (over the global value); the ranges of the two directions do not
// overlap, so a swapped direction fails. Each 5-second iperf3 run
// through the tunnel must land within 0.5×–1.25× of the configured rate.
// Real ocserv first, then ours.
func TestPolicyBandwidth(t *testing.T) {
	rig.RequireProgram(t, "iperf3")
	runKinds(t, func(t *testing.T, kind serverKind) {
		r := rig.New(t, rig.Options{Clients: 2})
		r.AddUser("alice", "alice-Pass-1")
		r.AddUser("bob", "bob-Pass-1", "slow")
		perUser := bwConfigDir(t, r, "bandwidth-peruser", "bob", "rx-data-per-sec = 200000\n")
		perGroup := bwConfigDir(t, r, "bandwidth-pergroup", "slow", "rx-data-per-sec = 800000\ntx-data-per-sec = 600000\n")
		cfg := dtlsConfig(r).Set("rx-data-per-sec", "1000000").Set("tx-data-per-sec", "1000000").
			Set("config-per-user", perUser+"/").Set("config-per-group", perGroup+"/")
		srv := startKind(t, r, kind, cfg)
		defer srv.Stop()

		users := []struct {
			name, pass string
			dtls       bool
			rx, tx     float64 // bytes/s
		}{
			{"alice", "alice-Pass-1", true, 1000000, 1000000},
			{"bob", "bob-Pass-1", false, 200000, 600000},
		}
		for i, u := range users {
			c := r.Connect(rig.ClientOptions{Link: i, User: u.name, Password: u.pass, NoDTLS: !u.dtls, Args: []string{"-v"}})
			if u.dtls && waitDTLS(t, r, c, 15*time.Second) == "" {
				t.Fatalf("%s: no DTLS", u.name)
			}
			udpIn, udpOut := udpCounters(t, r, r.ServerNS)
			for _, d := range []struct {
				dir     string
				reverse bool
				limit   float64
			}{{"rx (client to server)", false, u.rx}, {"tx (server to client)", true, u.tx}} {
				rate := bwIperf(t, r, c, 5201+i*2+bwBoolInt(d.reverse), d.reverse)
				ratio := rate / d.limit
				t.Logf("%s %s %s: %.0f bytes/s, %.2f× of %.0f", kind, u.name, d.dir, rate, ratio, d.limit)
				if ratio < bwMinRatio || ratio > bwMaxRatio {
					t.Errorf("%s %s: %.0f bytes/s is %.2f× of the configured %.0f, want %.2f–%.2f×",
						u.name, d.dir, rate, ratio, d.limit, bwMinRatio, bwMaxRatio)
				}
			}
			// Over DTLS, each direction's run moves thousands of
			// datagrams (about 3,500 at 1,000,000 bytes/s).
			in, out := udpCounters(t, r, r.ServerNS)
			t.Logf("%s %s: server UDP datagrams in %d, out %d", kind, u.name, in-udpIn, out-udpOut)
			if u.dtls && (in-udpIn < bwMinDatagrams || out-udpOut < bwMinDatagrams) {
				t.Errorf("%s: the runs did not go over DTLS: %d datagrams in, %d out", u.name, in-udpIn, out-udpOut)
			}
			c.Disconnect()
		}
	})
}

// bwConfigDir creates the directory name under the rig's directory
// holding one file, file, with text (a config-per-user/-group directory).
func bwConfigDir(t *testing.T, r *rig.Rig, name, file, text string) string {
	t.Helper()
	dir := filepath.Join(r.Dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, file), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func bwBoolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// bwIperf runs one bwSeconds iperf3 test (after one omitted second, so
// that the first window's burst and TCP's slow start do not count) between client c and an iperf3
// server on the server's tunnel address (port), upload or with reverse
// download, and returns the receiver's rate in bytes/s.
func bwIperf(t *testing.T, r *rig.Rig, c *rig.Client, port int, reverse bool) float64 {
	t.Helper()
	srvAddr := r.ServerTunAddr().String()
	p := strconv.Itoa(port)
	srv := r.Start(r.ServerNS, fmt.Sprintf("iperf3-s-%d", port), "iperf3", "-s", "-1", "--forceflush", "-B", srvAddr, "-p", p)
	defer srv.Stop(2 * time.Second)
	if !rig.WaitFor(10*time.Second, func() bool { return strings.Contains(srv.Log(), "Server listening") || !srv.Running() }) || !srv.Running() {
		t.Fatalf("iperf3 server did not start: %s", srv.Log())
	}
	args := []string{"iperf3", "-c", srvAddr, "-p", p, "-t", strconv.Itoa(bwSeconds), "-O", "1", "-J", "--connect-timeout", "5000"}
	if reverse {
		args = append(args, "-R")
	}
	out, err := r.ExecTimeout(time.Duration(bwSeconds+25)*time.Second, c.NS, args...)
	if err != nil {
		t.Fatalf("iperf3 %v: %v\n%s\nserver: %s", args, err, out, srv.Log())
	}
	var res struct {
		End struct {
			SumReceived struct {
				Bytes   float64 `json:"bytes"`
				Seconds float64 `json:"seconds"`
			} `json:"sum_received"`
		} `json:"end"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("iperf3 output is not JSON: %v\n%s", err, out)
	}
	if res.Error != "" || res.End.SumReceived.Seconds <= 0 {
		t.Fatalf("iperf3: %q, received %.0f bytes in %.2f s", res.Error, res.End.SumReceived.Bytes, res.End.SumReceived.Seconds)
	}
	return res.End.SumReceived.Bytes / res.End.SumReceived.Seconds
}
