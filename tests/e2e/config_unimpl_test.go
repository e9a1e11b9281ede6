package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestConfigNotImplementedWarned: options that ocserv-go reads but does
// not apply (docs/compat.md, "Every ocserv 1.1.6 option") are never
// silently ignored. With sec-mod-scale and output-buffer in the main file
// and user-profile in alice's config-per-user file, both servers start
// and alice logs in and passes traffic; ours logs one start-up warning per
// main-file option (naming it and docs/compat.md) and one warning for the
// per-user file at her login, and the main-file warnings again on SIGHUP.
// The real ocserv applies these options and prints no such line.
func TestConfigNotImplementedWarned(t *testing.T) {
	r := rig.New(t, rig.Options{})
	r.AddUser("alice", "alice-Pass-1")
	users := filepath.Join(r.Dir, "unimpl-users")
	if err := os.MkdirAll(users, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(users, "alice"), []byte("user-profile = "+filepath.Join(r.Dir, "alice-profile.xml")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.Dir, "alice-profile.xml"), []byte("<?xml version=\"1.0\"?>\n<AnyConnectProfile/>\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mainOpts := []string{"sec-mod-scale", "output-buffer"}
	for _, name := range append(mainOpts, "user-profile") {
		if o, ok := config.LookupOption(name); !ok || o.NotImplemented() == "" {
			t.Fatalf("%s is no longer in config's notImplemented list: pick another option for this test", name)
		}
	}
	cfg := r.NewConfig().Set("sec-mod-scale", "2").Set("output-buffer", "10").Set("config-per-user", users)
	runKinds(t, func(t *testing.T, kind serverKind) {
		srv := startKind(t, r, kind, cfg)
		defer srv.Stop()
		c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1", NoDTLS: true})
		if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
			t.Errorf("ping through the tunnel: %v", err)
		}
		c.Disconnect()
		log := srv.Log()
		if kind == realServer {
			if l := grepLines(log, "not implemented by ocserv-go"); l != "" {
				t.Errorf("the real ocserv printed:\n%s", l)
			}
			return
		}
		for _, name := range mainOpts {
			want := "warning: the option '" + name + "' is not implemented by ocserv-go: "
			if got := grepLines(log, want); strings.Count(got, want) != 1 || !strings.Contains(got, "(see docs/compat.md)") {
				t.Errorf("start-up warning for %s: got %q, want one line containing %q and docs/compat.md\n%s", name, got, want, tailLines(log, 40))
			}
		}
		want := "option 'user-profile' in " + users + "/alice is not implemented by ocserv-go"
		if !srv.WaitLog(want, 5*time.Second) {
			t.Errorf("no warning for the per-user file (want %q):\n%s", want, tailLines(srv.Log(), 40))
		}
		// A reload warns again (the file may have gained such options).
		if err := srv.Signal(syscall.SIGHUP); err != nil {
			t.Fatalf("SIGHUP: %v", err)
		}
		again := "warning: the option 'output-buffer' is not implemented by ocserv-go: "
		deadline := time.Now().Add(10 * time.Second)
		for strings.Count(srv.Log(), again) < 2 && time.Now().Before(deadline) {
			time.Sleep(200 * time.Millisecond)
		}
		if n := strings.Count(srv.Log(), again); n != 2 {
			t.Errorf("after SIGHUP the output-buffer warning appears %d times, want 2 (start-up and reload):\n%s", n, tailLines(srv.Log(), 40))
		}
	})
}
