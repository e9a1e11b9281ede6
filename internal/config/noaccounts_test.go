package config

import (
	"strings"
	"testing"
)

// TestNoAccounts: run-as-user/group are looked up (unknown ones are
// fatal, as in ocserv) unless NoAccounts, which keeps the names and
// leaves the ids at -1 (the worker, which has no NSS).
func TestNoAccounts(t *testing.T) {
	base := "auth = \"plain[passwd=/nonexistent]\"\ntcp-port = 4443\nsocket-file = /tmp/x\ndevice = vpns\n" +
		"ipv4-network = 192.168.99.0/24\nserver-cert = /nonexistent.pem\nserver-key = /nonexistent.key\n"
	tests := []struct {
		name, extra string
		noAccounts  bool
		wantErr     string
		uid, gid    int
	}{
		{"known", "run-as-user = root\nrun-as-group = root\n", false, "", 0, 0},
		{"unknown user", "run-as-user = no-such-user-ocserv-go\n", false, "unknown user: no-such-user-ocserv-go", -1, -1},
		{"unknown group", "run-as-group = no-such-group-ocserv-go\n", false, "unknown group: no-such-group-ocserv-go", -1, -1},
		{"unknown, NoAccounts", "run-as-user = no-such-user-ocserv-go\nrun-as-group = no-such-group-ocserv-go\n", true, "", -1, -1},
		{"known, NoAccounts", "run-as-user = root\nrun-as-group = root\n", true, "", -1, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := LoadBytes([]byte(base+tc.extra), LoadOptions{NoAccounts: tc.noAccounts})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.RunAsUID != tc.uid || cfg.RunAsGID != tc.gid {
				t.Errorf("ids = %d:%d, want %d:%d", cfg.RunAsUID, cfg.RunAsGID, tc.uid, tc.gid)
			}
			if tc.noAccounts && (cfg.RunAsUser == "" || cfg.RunAsGroup == "") {
				t.Errorf("names = %q:%q, want them kept", cfg.RunAsUser, cfg.RunAsGroup)
			}
		})
	}
}
