package worker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// goldenCases are the configurations whose CONNECT responses were captured
// from the real ocserv 1.1.6 (TestCaptureRealConnect) and are compared with
// ours in TestConnectHeadersGolden. extra is applied on top of the rig's base
// configuration (rig.NewConfig), the same way in both tests.
var goldenCases = []struct {
	name  string
	extra [][2]string // key, value; "+key" adds another value
}{
	{"basic", [][2]string{{"rekey-method", "new-tunnel"}}},
	{"full", [][2]string{
		{"rekey-method", "new-tunnel"},
		{"banner", "Welcome to ocserv-go"},
		{"default-domain", "example.test"},
		{"+split-dns", "example.test"},
		{"+nbns", "10.1.2.3"},
		{"+route", "192.168.0.0/16"},
		{"+no-route", "192.168.5.0/24"},
		{"idle-timeout", "1200"},
		{"session-timeout", "3600"},
		{"mtu", "1400"},
		{"+custom-header", "X-My-Header: hi"},
	}},
	{"norekey", [][2]string{{"rekey-time", "0"}, {"tunnel-all-dns", "true"}, {"keepalive", "60"}, {"dpd", "0"}}},
}

// TestCaptureRealConnect runs the real ocserv 1.1.6 and openconnect in the
// test rig's network namespaces and stores the (masked) CONNECT response
// headers in testdata/connect-NAME.golden. Run it with
// OCSERV_CAPTURE_GOLDEN=1 as root; it is skipped otherwise.
func TestCaptureRealConnect(t *testing.T) {
	if os.Getenv("OCSERV_CAPTURE_GOLDEN") == "" {
		t.Skip("set OCSERV_CAPTURE_GOLDEN=1 (root) to re-capture the golden CONNECT responses")
	}
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "secret")
			cfg := r.NewConfig()
			for _, kv := range gc.extra {
				if strings.HasPrefix(kv[0], "+") {
					cfg.Add(kv[0][1:], kv[1])
				} else {
					cfg.Set(kv[0], kv[1])
				}
			}
			r.StartServer(cfg, rig.ServerOptions{Debug: 1})
			c := r.Connect(rig.ClientOptions{User: "alice", Password: "secret", NoDTLS: true,
				Args: []string{"--dump-http-traffic", "-vvv", "--base-mtu=1500"}})
			if err := c.WaitUp(20 * time.Second); err != nil {
				t.Fatal(err)
			}
			heads := connectResponse(c.Log())
			if len(heads) == 0 {
				t.Fatalf("no CONNECT response in the client log:\n%s", c.Log())
			}
			out := strings.Join(maskHeaders(heads), "\n") + "\n"
			if err := os.WriteFile(filepath.Join("testdata", "connect-"+gc.name+".golden"), []byte(out), 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("captured:\n%s", out)
			_ = c.Disconnect()
		})
	}
}

// connectResponse extracts the status line and headers of the first
// CONNECT response from openconnect's -vvv log: a "Got CONNECT response:
// STATUS" line followed by the header lines.
func connectResponse(log string) []string {
	var out []string
	in := false
	for _, l := range strings.Split(log, "\n") {
		l = strings.TrimSpace(l)
		if s, ok := strings.CutPrefix(l, "Got CONNECT response: "); ok {
			if out != nil {
				break
			}
			out, in = []string{s}, true
			continue
		}
		if !in {
			continue
		}
		name, _, ok := strings.Cut(l, ": ")
		if !ok || name == "" || strings.ContainsAny(name, " \t") {
			break
		}
		out = append(out, l)
	}
	return out
}
