package e2e

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestAuthSelectGroup (issue 5, criterion 4): select-group entries with
// friendly names reach openconnect, --authgroup picks one by its label,
// and that group's config-per-group file is applied (its route and DNS
// server reach the client); a group the user is not in is refused.
func TestAuthSelectGroup(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1", "staff", "admins")
			dir := filepath.Join(r.Dir, "groups")
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "admins"), []byte("route = 10.66.0.0/16\ndns = 10.66.0.53\n"), 0o644)
			os.WriteFile(filepath.Join(dir, "staff"), []byte("route = 10.55.0.0/16\n"), 0o644)
			cfg := r.NewConfig().
				Set("select-group", "staff[Staff Net]", "admins[Admin Net]", "others").
				Set("config-per-group", dir+"/")
			startKind(t, r, kind, cfg)

			c := mustLogin(t, r, "Admin Net", rig.ClientOptions{User: "alice", Password: "alice-Pass-1",
				Args: []string{"--authgroup", "Admin Net"}})
			if !slices.Contains(c.Routes(), netip.MustParsePrefix("10.66.0.0/16")) || slices.Contains(c.Routes(), netip.MustParsePrefix("10.55.0.0/16")) {
				t.Errorf("routes with group admins = %v, want 10.66.0.0/16 and not 10.55.0.0/16", c.Routes())
			}
			if !slices.Contains(c.DNS(), "10.66.0.53") {
				t.Errorf("DNS with group admins = %v, want 10.66.0.53", c.DNS())
			}
			c.Disconnect()

			c = mustLogin(t, r, "Staff Net", rig.ClientOptions{User: "alice", Password: "alice-Pass-1",
				Args: []string{"--authgroup", "Staff Net"}})
			if !slices.Contains(c.Routes(), netip.MustParsePrefix("10.55.0.0/16")) {
				t.Errorf("routes with group staff = %v, want 10.55.0.0/16", c.Routes())
			}
			c.Disconnect()

			mustRefuse(t, r, "group the user is not in", rig.ClientOptions{User: "alice", Password: "alice-Pass-1",
				Args: []string{"--authgroup", "others"}})
		})
	}
}
