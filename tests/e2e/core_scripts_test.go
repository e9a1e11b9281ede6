package e2e

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// scriptVarFormat masks the variables whose values must differ between two
// runs (PIDs, device numbers, byte counts, durations): they are compared
// by format only. Every other variable must have the same value.
func scriptVarFormat(r *rig.Rig, name, value string) string {
	switch name {
	case "ID", "STATS_BYTES_IN", "STATS_BYTES_OUT", "STATS_DURATION":
		if regexp.MustCompile(`^[0-9]+$`).MatchString(value) {
			return "<decimal>"
		}
	case "DEVICE":
		if regexp.MustCompile(`^` + regexp.QuoteMeta(r.Device()) + `[0-9]+$`).MatchString(value) {
			return "<device>"
		}
	}
	return value
}

// scriptRun is one script run: the masked environment.
type scriptRun map[string]string

func maskEnv(r *rig.Rig, env map[string]string) scriptRun {
	m := scriptRun{}
	for k, v := range env {
		m[k] = scriptVarFormat(r, k, v)
	}
	return m
}

func diffEnv(got, want scriptRun) []string {
	var d []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			d = append(d, fmt.Sprintf("missing %s (real: %q)", k, w))
		case g != w:
			d = append(d, fmt.Sprintf("%s = %q, real: %q", k, g, w))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			d = append(d, fmt.Sprintf("extra %s = %q", k, g))
		}
	}
	sort.Strings(d)
	return d
}

// TestCoreScripts (criterion 5): connect-script and disconnect-script run
// with the environment of scripts.md. A script records its environment; the
// variable names and values (masked where they must differ) equal those of
// the real ocserv's run in the same rig. ID names the live worker at
// connect. A connect-script that exits 1 refuses the login with the same
// openconnect outcome as the real ocserv, and no disconnect script runs
// for that session.
func TestCoreScripts(t *testing.T) {
	r := rig.New(t, rig.Options{})
	r.AddUser("alice", "alice-Pass-1", "admins")
	r.AddUser("bob", "bob-Pass-1")
	ref := map[string]scriptRun{}
	var refFail authOutcome
	for _, kind := range []serverKind{realServer, ourServer} {
		if kind == ourServer && !wantServer(ourServer) {
			continue
		}
		ok := t.Run(string(kind), func(t *testing.T) {
			script, dir := scriptDumper(t, r, "script-"+string(kind), 0)
			cfg := r.NewConfig().Set("connect-script", script).Set("disconnect-script", script).
				Add("route", "192.168.78.0/255.255.255.0").Add("no-route", "10.250.3.0/24")
			srv := startKind(t, r, kind, cfg)
			c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1", NoDTLS: true})
			con := waitScriptEnv(t, dir, "connect-alice-", 10*time.Second)
			if comm, _ := os.ReadFile("/proc/" + con["ID"] + "/comm"); strings.TrimSpace(string(comm)) != "ocserv-worker" {
				t.Errorf("connect ID=%s is not a live ocserv-worker (comm %q)", con["ID"], strings.TrimSpace(string(comm)))
			}
			if got := con["IP_REMOTE"]; got != c.IP().String() {
				t.Errorf("IP_REMOTE = %q, client got %v", got, c.IP())
			}
			if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
				t.Fatal(err)
			}
			if err := c.Disconnect(); err != nil {
				t.Fatal(err)
			}
			dis := waitScriptEnv(t, dir, "disconnect-alice-", 10*time.Second)
			if dis["ID"] != con["ID"] {
				t.Errorf("disconnect ID %q, connect ID %q", dis["ID"], con["ID"])
			}
			srv.Stop()

			for reason, env := range map[string]map[string]string{"connect": con, "disconnect": dis} {
				m := maskEnv(r, env)
				if kind == realServer {
					ref[reason] = m
					var keys []string
					for k, v := range m {
						if os.Getenv(k) != v {
							keys = append(keys, k+"="+v)
						}
					}
					sort.Strings(keys)
					t.Logf("real ocserv %s-script environment (inherited variables left out):\n%s", reason, strings.Join(keys, "\n"))
					continue
				}
				if d := diffEnv(m, ref[reason]); len(d) > 0 {
					t.Errorf("%s-script environment differs from the real ocserv's:\n%s", reason, strings.Join(d, "\n"))
				}
			}

			// A failing connect-script refuses the login.
			fail, fdir := scriptDumper(t, r, "fail-"+string(kind), 1)
			disc, ddir := scriptDumper(t, r, "disc-"+string(kind), 0)
			srv2 := startKind(t, r, kind, r.NewConfig().Set("connect-script", fail).Set("disconnect-script", disc))
			defer srv2.Stop()
			res := r.ConnectFail(rig.ClientOptions{User: "bob", Password: "bob-Pass-1", NoDTLS: true})
			got := authOutcome{ExitCode: res.ExitCode, Lines: keyLines(res.Output)}
			if res.TunnelUp || res.TimedOut || res.ExitCode == 0 {
				t.Errorf("login with a failing connect-script: exit %d, tunnel up %v, timed out %v\n%s",
					res.ExitCode, res.TunnelUp, res.TimedOut, res.Output)
			}
			waitScriptEnv(t, fdir, "connect-bob-", 5*time.Second)
			time.Sleep(time.Second)
			if envs := scriptEnvs(ddir, ""); len(envs) != 0 {
				t.Errorf("disconnect-script ran after the connect-script refused the login: %v", mapKeys(envs))
			}
			if kind == realServer {
				refFail = got
				t.Logf("real ocserv, failing connect-script: exit %d\n%s", got.ExitCode, strings.Join(got.Lines, "\n"))
				return
			}
			if got.ExitCode != refFail.ExitCode || !slices.Equal(got.Lines, refFail.Lines) {
				t.Errorf("failing connect-script: openconnect exit %d, output:\n%s\n--- real ocserv: exit %d:\n%s",
					got.ExitCode, strings.Join(got.Lines, "\n"), refFail.ExitCode, strings.Join(refFail.Lines, "\n"))
			}
		})
		if !ok && kind == realServer {
			t.Fatal("the reference run with the real ocserv failed")
		}
	}
}

func mapKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
