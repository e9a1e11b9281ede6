package e2e

// Helpers of the policy_*_test.go acceptance tests (session limits,
// timeouts, bans, virtual hosts). Like the core tests, each scenario runs
// against the real ocserv 1.1.6 first, then against ours, and the
// accept/refuse outcomes must agree.

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// outsideSource gives the client namespace of link an extra address that
// is not inside any subnet of the server's interfaces, and makes it the
// source of the client's traffic to the server (a host route with src);
// the server namespace gets a host route back through the link. ocserv
// never bans clients inside a local subnet, and the rig's links are /30s
// of the server's veths, so ban tests need such an address. Everything
// stays inside the rig's namespaces.
func outsideSource(t *testing.T, r *rig.Rig, link int, addr netip.Addr) {
	t.Helper()
	l := r.Link(link)
	r.MustExec(l.NS, "ip", "addr", "add", addr.String()+"/32", "dev", "lo")
	r.MustExec(l.NS, "ip", "route", "replace", l.ServerAddr.String()+"/32", "dev", l.ClientIf, "src", addr.String())
	r.MustExec(r.ServerNS, "ip", "route", "replace", addr.String()+"/32", "via", l.ClientAddr.String(), "dev", l.ServerIf)
}

// refusedOK reports why res is not a refused connection ("" if it is).
func refusedOK(res *rig.Result) string {
	switch {
	case res.TunnelUp:
		return "tunnel came up"
	case res.ExitCode == 0:
		return "openconnect exited 0"
	}
	return ""
}

// runKinds runs fn for each selected server kind, the real ocserv first;
// a failing reference run stops the test.
func runKinds(t *testing.T, fn func(t *testing.T, kind serverKind)) {
	for _, kind := range coreServers() {
		ok := t.Run(string(kind), func(t *testing.T) { fn(t, kind) })
		if !ok && kind == realServer {
			t.Fatal("the reference run with the real ocserv failed")
		}
	}
}

// waitGone waits until the client process has exited.
func waitGone(t *testing.T, c *rig.Client, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	if !c.WaitExit(d) {
		t.Fatalf("client %s still running after %v\n%s", c.Name, d, tailLines(c.Log(), 20))
	}
	return time.Since(start)
}

func tailLines(s string, n int) string {
	lines := splitLines(s)
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	out := ""
	for _, l := range lines {
		out += l + "\n"
	}
	return out
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

func describe(res *rig.Result) string {
	return fmt.Sprintf("exit %d, tunnel up %v, timed out %v", res.ExitCode, res.TunnelUp, res.TimedOut)
}
