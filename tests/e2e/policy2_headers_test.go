package e2e

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// cstpTimers returns openconnect -v's report of the CONNECT response's
// timer headers (X-CSTP-DPD, -Keepalive, -Idle-Timeout, -Session-Timeout*)
// as "Name: value" lines, sorted.
func cstpTimers(out string) []string {
	var ls []string
	re := regexp.MustCompile(`(X-CSTP-(?:DPD|Keepalive|Idle-Timeout|Session-Timeout|Session-Timeout-Remaining|Disconnected-Timeout)): (\S+)`)
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(out, -1) {
		l := m[1] + ": " + m[2]
		if !seen[l] {
			seen[l] = true
			ls = append(ls, l)
		}
	}
	slices.Sort(ls)
	return ls
}

// TestPolicyMobileTimers (issue 5): a client that announces itself as
// android (openconnect --os=android sends X-AnyConnect-Identifier-Platform:
// android) gets mobile-dpd and mobile-idle-timeout in the CONNECT headers,
// a linux client dpd and idle-timeout; X-CSTP-Session-Timeout carries
// session-timeout. The header lines equal ocserv 1.1.6's.
func TestPolicyMobileTimers(t *testing.T) {
	got := map[serverKind]map[string][]string{}
	runKinds(t, func(t *testing.T, kind serverKind) {
		r := rig.New(t, rig.Options{})
		r.AddUser("alice", "alice-Pass-1")
		cfg := r.NewConfig().Set("dpd", "90").Set("mobile-dpd", "1800").
			Set("idle-timeout", "1200").Set("mobile-idle-timeout", "2400").
			Set("session-timeout", "3600").Set("keepalive", "300")
		startKind(t, r, kind, cfg)
		got[kind] = map[string][]string{}
		for _, os := range []string{"linux", "android"} {
			c := mustLogin(t, r, os, rig.ClientOptions{User: "alice", Password: "alice-Pass-1",
				Args: []string{"-v", "--os=" + os}})
			lines := cstpTimers(c.Log())
			c.Disconnect()
			waitWorkers(t, r, 0)
			got[kind][os] = lines
			dpd, idle := "90", "1200"
			if os == "android" {
				dpd, idle = "1800", "2400"
			}
			for _, want := range []string{"X-CSTP-DPD: " + dpd, "X-CSTP-Idle-Timeout: " + idle, "X-CSTP-Session-Timeout: 3600", "X-CSTP-Keepalive: 300"} {
				if !slices.Contains(lines, want) {
					t.Errorf("--os=%s: CONNECT headers %q lack %q", os, lines, want)
				}
			}
		}
	})
	for _, os := range []string{"linux", "android"} {
		a, b := got[realServer][os], got[ourServer][os]
		if a != nil && b != nil && !slices.Equal(mask(a), mask(b)) {
			t.Errorf("--os=%s: timer headers differ: ocserv 1.1.6 %q, ours %q", os, a, b)
		}
	}
}

// mask hides X-CSTP-Session-Timeout-Remaining's value (it counts down).
func mask(ls []string) []string {
	var out []string
	for _, l := range ls {
		if strings.HasPrefix(l, "X-CSTP-Session-Timeout-Remaining:") {
			l = "X-CSTP-Session-Timeout-Remaining: N"
		}
		out = append(out, l)
	}
	return out
}

// TestPolicyBanners (issue 5): openconnect shows pre-login-banner with
// the login form (a line of its output) and hands banner, sent after the
// login, to the vpnc-script as CISCO_BANNER; both equal what it gets from
// ocserv 1.1.6.
func TestPolicyBanners(t *testing.T) {
	got := map[serverKind][]string{}
	runKinds(t, func(t *testing.T, kind serverKind) {
		r := rig.New(t, rig.Options{})
		r.AddUser("alice", "alice-Pass-1")
		cfg := r.NewConfig().Set("banner", `"Welcome to the rig VPN"`).
			Set("pre-login-banner", `"Authorised users only"`)
		startKind(t, r, kind, cfg)
		c := mustLogin(t, r, "banners", rig.ClientOptions{User: "alice", Password: "alice-Pass-1"})
		out := c.Log()
		banner := c.Env()["CISCO_BANNER"]
		c.Disconnect()
		var ls []string
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "Authorised users only") || strings.Contains(l, "Welcome to the rig VPN") {
				ls = append(ls, "output: "+strings.TrimSpace(l))
			}
		}
		ls = append(ls, "CISCO_BANNER: "+banner)
		got[kind] = ls
		if !slices.Contains(ls, "output: Authorised users only") {
			t.Errorf("openconnect did not show the pre-login banner:\n%s", out)
		}
		if banner != "Welcome to the rig VPN" {
			t.Errorf("CISCO_BANNER = %q, want the banner", banner)
		}
	})
	if a, b := got[realServer], got[ourServer]; a != nil && b != nil && !slices.Equal(a, b) {
		t.Errorf("banners differ: ocserv 1.1.6 %q, ours %q", a, b)
	}
}

// TestPolicyAuthTimeout (issue 5): a TLS connection that never sends a
// request is closed by the server after auth-timeout seconds.
func TestPolicyAuthTimeout(t *testing.T) {
	const authTimeout = 5
	runKinds(t, func(t *testing.T, kind serverKind) {
		r := rig.New(t, rig.Options{})
		startKind(t, r, kind, r.NewConfig().Set("auth-timeout", fmt.Sprint(authTimeout)))
		l := r.Link(0)
		start := time.Now()
		out, err := r.ExecTimeout(40*time.Second, l.NS, "sh", "-c",
			fmt.Sprintf("timeout 30 openssl s_client -connect %s:443 -ign_eof </dev/null; echo rc=$?", l.ServerAddr))
		took := time.Since(start)
		if err != nil {
			t.Fatalf("openssl s_client: %v\n%s", err, out)
		}
		if strings.Contains(out, "rc=124") {
			t.Fatalf("the server did not close an idle unauthenticated connection within 30 s")
		}
		if took < (authTimeout-1)*time.Second || took > (authTimeout+5)*time.Second {
			t.Errorf("connection closed after %v, want about auth-timeout (%d s)", took.Round(100*time.Millisecond), authTimeout)
		}
		waitWorkers(t, r, 0)
	})
}
