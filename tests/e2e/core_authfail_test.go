package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// authOutcome is how one refused login ended, in the parts that must not
// differ between servers.
type authOutcome struct {
	ExitCode int
	Lines    []string // keyLines of the output
	Cookie   bool     // --authenticate printed COOKIE=
}

// TestCoreAuthRefused (criterion 2): a wrong password, an unknown user, a
// locked user and an empty password are refused without a cookie, both
// with `openconnect --authenticate` and with a full connect; openconnect's
// exit code and the key lines of its output are the same as with the real
// ocserv on the same configuration (the real one runs first in the same
// rig, then ours).
func TestCoreAuthRefused(t *testing.T) {
	r := rig.New(t, rig.Options{})
	r.AddUser("alice", "alice-Pass-1")
	r.AddUser("lucy", "lucy-Pass-1")
	r.LockUser("lucy")
	cases := []struct {
		name, user, password string
	}{
		{"wrong-password", "alice", "not-her-password"},
		{"unknown-user", "mallory", "whatever-1"},
		{"locked-user", "lucy", "lucy-Pass-1"},
		{"empty-password", "alice", ""},
	}
	ref := map[string]authOutcome{}
	for _, kind := range []serverKind{realServer, ourServer} {
		if kind == ourServer && !wantServer(ourServer) {
			continue
		}
		ok := t.Run(string(kind), func(t *testing.T) {
			srv := startKind(t, r, kind, r.NewConfig())
			defer srv.Stop()
			for _, tc := range cases {
				for _, mode := range []string{"authenticate", "connect"} {
					key := tc.name + "/" + mode
					var args []string
					if mode == "authenticate" {
						args = []string{"--authenticate"}
					}
					res := r.ConnectFail(rig.ClientOptions{User: tc.user, Password: tc.password, NoDTLS: true, Args: args})
					got := authOutcome{ExitCode: res.ExitCode, Lines: keyLines(res.Output),
						Cookie: strings.Contains(res.Output, "COOKIE=")}
					if res.TunnelUp || res.TimedOut || got.Cookie || res.ExitCode == 0 {
						t.Errorf("%s: not refused: exit %d, tunnel up %v, timed out %v, cookie %v\n%s",
							key, res.ExitCode, res.TunnelUp, res.TimedOut, got.Cookie, res.Output)
					}
					if kind == realServer {
						ref[key] = got
						t.Logf("%s with the real ocserv: exit %d\n%s", key, got.ExitCode, strings.Join(got.Lines, "\n"))
						continue
					}
					want, have := ref[key]
					if !have {
						t.Fatalf("%s: no reference outcome from the real ocserv", key)
					}
					if got.ExitCode != want.ExitCode {
						t.Errorf("%s: openconnect exit code %d, the real ocserv gives %d", key, got.ExitCode, want.ExitCode)
					}
					if !slices.Equal(got.Lines, want.Lines) {
						t.Errorf("%s: openconnect output differs from the real ocserv's:\n--- ours\n%s\n--- real\n%s",
							key, strings.Join(got.Lines, "\n"), strings.Join(want.Lines, "\n"))
					}
				}
			}
		})
		if !ok && kind == realServer {
			t.Fatal("the reference run with the real ocserv failed")
		}
	}
}
