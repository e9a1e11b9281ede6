package scriptenv

import (
	"strings"
	"testing"
	"time"
)

func TestValidHostname(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"laptop", true},
		{"vm-01.example.com", true},
		{strings.Repeat("a", 63), true},
		{strings.Repeat("a", 64), false},
		{"", false},
		{"-rf", false},
		{"host name", false},
		{"host\nEVIL=1", false},
		{"a;reboot", false},
		{"$(id)", false},
		{"host\x00x", false},
		{"hôte", false},
	}
	for _, tt := range tests {
		if got := ValidHostname(tt.in); got != tt.want {
			t.Errorf("ValidHostname(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestEnvDropsInvalidHostname: whatever main was told, a hostname that is
// not valid never reaches a script's environment (6bdcfc8 exported it as
// given, e.g. with a newline or shell syntax).
func TestEnvDropsInvalidHostname(t *testing.T) {
	for _, h := range []string{"x\nEVIL=1", "$(reboot)", "-x", strings.Repeat("h", 100)} {
		for _, r := range []Reason{Connect, HostUpdate, Disconnect} {
			env := Env(r, &Session{ID: 1, Username: "u", Hostname: h}, "", time.Unix(0, 0))
			for _, kv := range env {
				if strings.HasPrefix(kv, "HOSTNAME=") && kv != "HOSTNAME=" || strings.HasPrefix(kv, "REMOTE_HOSTNAME=") && kv != "REMOTE_HOSTNAME=" {
					t.Errorf("%s, hostname %q: exported %q", r, h, kv)
				}
			}
		}
	}
	env := Env(Connect, &Session{Hostname: "laptop"}, "", time.Unix(0, 0))
	if !strings.Contains(strings.Join(env, "\n"), "\nHOSTNAME=laptop\nREMOTE_HOSTNAME=laptop\n") {
		t.Errorf("valid hostname not exported: %q", env)
	}
}
