package mainproc

import (
	"slices"
	"testing"

	"github.com/ocserv-go/ocserv/internal/auth/pam"
	"github.com/ocserv-go/ocserv/internal/config"
)

// TestAuthGroupListsPAM: with auto-select-group and pam[gid-min=N] main's
// pam list is the NSS group list of pam.SystemGroups (no root above gid
// 0); without auto-select-group there is none.
func TestAuthGroupListsPAM(t *testing.T) {
	base := "tcp-port = 4443\nsocket-file = /tmp/x\ndevice = vpns\nipv4-network = 192.168.99.0/24\n" +
		"server-cert = /nonexistent.pem\nserver-key = /nonexistent.key\n"
	tests := []struct {
		name, extra string
		gidMin      int // -1: no list
	}{
		{"gid-min 0", "auth = \"pam[gid-min=0]\"\nauto-select-group = true\n", 0},
		{"gid-min 100", "auth = \"pam[gid-min=100]\"\nauto-select-group = true\n", 100},
		{"no auto-select-group", "auth = \"pam[gid-min=0]\"\n", -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := config.LoadBytes([]byte(base+tc.extra), config.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got, plain := authGroupLists(cfg)
			if plain != nil {
				t.Errorf("plain list = %q, want none", plain)
			}
			if tc.gidMin < 0 {
				if got != nil {
					t.Errorf("pam list = %q, want none", got)
				}
				return
			}
			want, err := pam.SystemGroups(tc.gidMin)
			if err != nil || len(want) == 0 {
				t.Fatalf("SystemGroups(%d) = %q, %v", tc.gidMin, want, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("pam list = %q, want %q", got, want)
			}
			if root := slices.Contains(got, "root"); root != (tc.gidMin == 0) {
				t.Errorf("pam list = %q: root listed = %v", got, root)
			}
		})
	}
}
