package mainproc_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestServerEndToEnd runs our whole server (main, sec-mod, ocserv-worker
// beside it) in a rig namespace with a real openconnect client: login,
// ping across the tunnel, logout; afterwards the tun device is gone and the
// lease is free again (a second login gets the same predictable address),
// and SIGTERM stops the server with status 0 and removes its pid file and
// sec-mod socket. Needs root (the rig skips otherwise).
func TestServerEndToEnd(t *testing.T) {
	r := rig.New(t, rig.Options{Clients: 1})
	bin := rig.BuildOurs(t, "ocserv")
	r.AddUser("alice", "secret")
	script := filepath.Join(r.Dir, "hook.sh")
	events := filepath.Join(r.Dir, "hook.log")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$REASON $USERNAME $DEVICE $IP_REMOTE\" >> "+events+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := r.NewConfig().Set("connect-script", script).Set("disconnect-script", script)
	srv := r.StartServer(cfg, rig.ServerOptions{Binary: bin, Debug: 3})

	tunDevs := func() []string {
		ifs, err := r.Interfaces(r.ServerNS)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, i := range ifs {
			if strings.HasPrefix(i, r.Device()) {
				out = append(out, i)
			}
		}
		return out
	}

	c := r.Connect(rig.ClientOptions{User: "alice", Password: "secret", NoDTLS: true})
	first := c.IP()
	if !r.PoolNet.Contains(first) {
		t.Fatalf("client address %s not in the pool %s", first, r.PoolNet)
	}
	if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
		t.Fatalf("ping across the tunnel: %v\n%s", err, srv.Log())
	}
	if devs := tunDevs(); len(devs) != 1 {
		t.Errorf("server tun devices while connected: %v", devs)
	}
	if err := c.Disconnect(); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitLog("user disconnected", 10*time.Second) {
		t.Fatalf("no disconnect logged:\n%s", srv.Log())
	}
	r.WaitFor(10*time.Second, "server tun device gone", func() bool { return len(tunDevs()) == 0 })
	r.WaitFor(10*time.Second, "disconnect script", func() bool {
		b, _ := os.ReadFile(events)
		return strings.Contains(string(b), "disconnect alice")
	})

	c2 := r.Connect(rig.ClientOptions{User: "alice", Password: "secret", NoDTLS: true})
	if c2.IP() != first {
		t.Errorf("second login got %s, want the freed %s", c2.IP(), first)
	}

	pidFile := cfg.Get("pid-file")
	if err := srv.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !srv.WaitExit(15 * time.Second) {
		t.Fatalf("server did not stop on SIGTERM:\n%s", srv.Log())
	}
	if code := srv.ExitCode(); code != 0 {
		t.Errorf("exit status %d after SIGTERM", code)
	}
	if len(pidFile) == 1 {
		if _, err := os.Stat(pidFile[0]); err == nil {
			t.Errorf("pid file %s left behind", pidFile[0])
		}
	}
	socks, _ := filepath.Glob(cfg.Get("socket-file")[0] + ".*")
	if len(socks) != 0 {
		t.Errorf("sec-mod socket left behind: %v", socks)
	}
	b, _ := os.ReadFile(events)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "connect alice ") || !strings.HasPrefix(lines[3], "disconnect alice ") {
		t.Errorf("hook runs:\n%s", b)
	}
}
