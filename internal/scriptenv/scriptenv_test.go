package scriptenv

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func envMap(env []string) map[string]string {
	m := make(map[string]string)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func TestEnv(t *testing.T) {
	now := time.Unix(1000, 0)
	tests := []struct {
		name   string
		reason Reason
		s      Session
		next   string
		want   map[string]string // expected values ("" = set and empty)
		absent []string
	}{
		{
			name: "ipv6 only", reason: Connect,
			s:    Session{ID: 7, IPv6Local: netip.MustParseAddr("fd00::1"), IPv6Remote: netip.MustParseAddr("fd00::1:0:0:0"), IPv6Prefix: 64},
			want: map[string]string{"IPV6_LOCAL": "fd00::1", "IPV6_REMOTE": "fd00::1:0:0:0", "IPV6_PREFIX": "64", "ID": "7", "GROUPNAME": "", "REASON": "connect"},
			absent: []string{"IP_LOCAL", "IP_REMOTE", "IP_REAL", "IP_REAL_LOCAL", "VHOST", "OCSERV_ROUTES", "OCSERV_DNS4",
				"STATS_BYTES_IN", "OCSERV_NEXT_SCRIPT", "OCSERV_RESTRICT_TO_ROUTES"},
		},
		{
			name: "ipv6 client address", reason: HostUpdate,
			s:    Session{RemoteAddr: netip.MustParseAddr("2001:db8::2"), LocalAddr: netip.MustParseAddr("2001:db8::1")},
			want: map[string]string{"IP_REAL": "2001:db8::2", "IP_REAL_LOCAL": "2001:db8::1", "REASON": "host-update"},
		},
		{
			name: "only ipv6 routes", reason: Connect,
			s:      Session{Routes: []string{"fd00::/64", "default"}, NoRoutes: []string{"fd01::/64"}},
			want:   map[string]string{"OCSERV_ROUTES": "fd00::/64 default ", "OCSERV_ROUTES6": "fd00::/64 ", "OCSERV_ROUTES4": "default ", "OCSERV_NO_ROUTES6": "fd01::/64 ", "OCSERV_NO_ROUTES": "fd01::/64 "},
			absent: []string{"OCSERV_NO_ROUTES4", "OCSERV_DNS"},
		},
		{
			name: "restricted with allowed ports", reason: Connect, next: "/etc/ocserv/connect.sh",
			s: Session{RestrictToRoutes: true, Ports: []Port{{"tcp", 443}, {"udp", 53}, {"icmp", 0}, {"icmpv6", 9}, {"esp", 0}, {"sctp", 5}}},
			want: map[string]string{"OCSERV_RESTRICT_TO_ROUTES": "1", "OCSERV_ALLOW_PORTS": "tcp 443 udp 53 icmp all icmpv6 all esp all sctp 5 ",
				"OCSERV_NEXT_SCRIPT": "/etc/ocserv/connect.sh"},
			absent: []string{"OCSERV_DENY_PORTS"},
		},
		{
			name: "denied ports", reason: Disconnect,
			s:      Session{Ports: []Port{{"tcp", 22}}, DenyPorts: true, BytesIn: 18446744073709551615, BytesOut: 5, ConnectedAt: now.Add(-90 * time.Second)},
			want:   map[string]string{"OCSERV_DENY_PORTS": "tcp 22 ", "STATS_BYTES_IN": "18446744073709551615", "STATS_BYTES_OUT": "5", "STATS_DURATION": "90", "REASON": "disconnect"},
			absent: []string{"OCSERV_ALLOW_PORTS"},
		},
		{
			name: "disconnect without connect time", reason: Disconnect,
			s:      Session{},
			want:   map[string]string{"STATS_BYTES_IN": "0", "STATS_BYTES_OUT": "0"},
			absent: []string{"STATS_DURATION"},
		},
		{
			name: "group with leading space kept raw", reason: Connect,
			s:    Session{Groupname: " ops", Vhost: "vpn.example.com", Hostname: "laptop"},
			want: map[string]string{"GROUPNAME": " ops", "VHOST": "vpn.example.com", "HOSTNAME": "laptop", "REMOTE_HOSTNAME": "laptop", "DEVICE_TYPE": "", "DEVICE_PLATFORM": "", "USER_AGENT": ""},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := Env(tc.reason, &tc.s, tc.next, now)
			m := envMap(env)
			if len(m) != len(env) {
				t.Errorf("duplicate names in %q", env)
			}
			for k, v := range tc.want {
				got, ok := m[k]
				if !ok || got != v {
					t.Errorf("%s = %q (set %v), want %q", k, got, ok, v)
				}
			}
			for _, k := range tc.absent {
				if v, ok := m[k]; ok {
					t.Errorf("%s is set (%q), want unset", k, v)
				}
			}
		})
	}
}

func TestResolve(t *testing.T) {
	tests := []struct {
		r          Reason
		configured string
		s          Session
		path, next string
	}{
		{Connect, "/s", Session{}, "/s", ""},
		{Connect, "", Session{}, "", ""},
		{Connect, "/s", Session{RestrictToRoutes: true}, FirewallScript, "/s"},
		{Disconnect, "", Session{Ports: []Port{{"tcp", 1}}}, FirewallScript, ""},
		{HostUpdate, "/h", Session{RestrictToRoutes: true}, "/h", ""},
	}
	for _, tc := range tests {
		path, next := Resolve(tc.r, tc.configured, &tc.s)
		if path != tc.path || next != tc.next {
			t.Errorf("Resolve(%s, %q, %+v) = %q, %q; want %q, %q", tc.r, tc.configured, tc.s, path, next, tc.path, tc.next)
		}
	}
}

func TestMerge(t *testing.T) {
	got := Merge([]string{"PATH=/bin", "HOSTNAME=box", "OCSERV_ROUTES=stale ", "X=1=2"}, []string{"HOSTNAME=client", "ID=3"})
	want := []string{"PATH=/bin", "OCSERV_ROUTES=stale ", "X=1=2", "HOSTNAME=client", "ID=3"}
	if !slices.Equal(got, want) {
		t.Errorf("Merge = %q, want %q", got, want)
	}
}

func writeScript(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "hook")
	if err := os.WriteFile(p, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunRealScript runs a shell script that records what it sees.
func TestRunRealScript(t *testing.T) {
	out := filepath.Join(t.TempDir(), "seen")
	script := writeScript(t, "#!/bin/sh\n"+
		`printf '%s|%s|%s|%s|%s|%s\n' "$#" "$REASON" "$IP_REMOTE" "$OCSERV_ROUTES" "$INHERITED" "$HOSTNAME" >"$OUT"`+"\n"+
		"echo to-stdout\necho to-stderr >&2\nexit 0\n")
	s := &Session{ID: 42, Username: "alice", Hostname: "client", IPv4Remote: netip.MustParseAddr("192.168.99.50"),
		Routes: []string{"10.0.0.0/255.0.0.0"}}
	env := Merge([]string{"PATH=/usr/bin:/bin", "INHERITED=yes", "HOSTNAME=server", "OUT=" + out}, Env(Connect, s, "", time.Now()))
	var stderr bytes.Buffer
	res, err := Run(context.Background(), script, env, &stderr, 10*time.Second)
	if err != nil || !res.OK() {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	seen, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(seen), "0|connect|192.168.99.50|10.0.0.0/255.0.0.0 |yes|client\n"; got != want {
		t.Errorf("script saw %q, want %q", got, want)
	}
	if got := stderr.String(); got != "to-stdout\nto-stderr\n" {
		t.Errorf("stderr = %q", got)
	}
}

func TestRunResults(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		timeout time.Duration
		code    int
		timed   bool
		ok      bool
	}{
		{"exit 0", "#!/bin/sh\nexit 0\n", 5 * time.Second, 0, false, true},
		{"exit 3", "#!/bin/sh\nexit 3\n", 5 * time.Second, 3, false, false},
		{"killed by signal", "#!/bin/sh\nkill -TERM $$\nsleep 5\n", 5 * time.Second, -1, false, false},
		{"timeout", "#!/bin/sh\nsleep 5\n", 200 * time.Millisecond, -1, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Run(context.Background(), writeScript(t, tc.body), nil, nil, tc.timeout)
			if err != nil {
				t.Fatal(err)
			}
			if res.ExitCode != tc.code || res.TimedOut != tc.timed || res.OK() != tc.ok {
				t.Errorf("Run = %+v (OK %v), want code %d timedOut %v ok %v", res, res.OK(), tc.code, tc.timed, tc.ok)
			}
		})
	}
}

func TestRunMissing(t *testing.T) {
	res, err := Run(context.Background(), filepath.Join(t.TempDir(), "nope"), nil, nil, time.Second)
	if err == nil || res.OK() || res.ExitCode != 1 {
		t.Errorf("Run(missing) = %+v, %v; want exit 1 and an error", res, err)
	}
}
