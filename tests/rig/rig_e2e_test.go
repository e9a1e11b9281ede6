package rig_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestRigRemovesStaleAndOwnNamespaces plants a namespace named like one
// left by a crashed run (owner PID that cannot exist), checks that a new
// rig removes it, and that the rig's own namespaces and directory are gone
// after its test ends.
func TestRigRemovesStaleAndOwnNamespaces(t *testing.T) {
	rig.RequireRoot(t)
	stale := rig.Prefix + "zzzzz00-srv" // PID 60466175 is above any pid_max
	if out, err := exec.Command("ip", "netns", "add", stale).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", stale).Run() })

	var names []string
	var dir string
	t.Run("inner", func(t *testing.T) {
		r := rig.New(t, rig.Options{Clients: 2})
		if _, err := os.Stat("/run/netns/" + stale); err == nil {
			t.Errorf("stale namespace %s still there", stale)
		}
		names = append(names, r.ServerNS, r.Links[0].NS, r.Links[1].NS)
		dir = r.Dir
		for _, l := range r.Links {
			if err := r.Ping(l.NS, l.ServerAddr, 1); err != nil {
				t.Errorf("link %d: %v", l.Index, err)
			}
		}
		// Processes still running at the end must not block cleanup.
		sleeper := r.Start(r.ServerNS, "sleeper", "sleep", "300")
		sleeper2 := r.Start(r.Links[1].NS, "sleeper2", "sleep", "300")
		if !sleeper.Running() || !sleeper2.Running() {
			t.Errorf("sleep exited early")
		}
		r.MustExec(r.ServerNS, "true")
	})
	for _, n := range names {
		if _, err := os.Stat("/run/netns/" + n); err == nil {
			t.Errorf("namespace %s left behind", n)
		}
	}
	if _, err := os.Stat(dir); err == nil {
		t.Errorf("directory %s left behind", dir)
	}
}

// TestRigParallelECDSAAndClientCert runs two rigs at once in one process:
// one with an ECDSA server key and two clients, one with certificate
// authentication using a client certificate from the rig's CA.
func TestRigParallelECDSAAndClientCert(t *testing.T) {
	rig.RequireRoot(t)
	t.Run("ecdsa-two-clients", func(t *testing.T) {
		t.Parallel()
		r := rig.New(t, rig.Options{Clients: 2, KeyType: rig.ECDSAP256})
		r.AddUser("u1", "pw1")
		r.StartServer(r.NewConfig(), rig.ServerOptions{})
		var ips []string
		for i := range r.Links {
			c := r.Connect(rig.ClientOptions{Link: i, User: "u1", Password: "pw1", NoDTLS: true})
			if err := c.Ping(r.ServerTunAddr(), 1); err != nil {
				t.Fatalf("client %d ping: %v", i, err)
			}
			ips = append(ips, c.IP().String())
		}
		if ips[0] == ips[1] {
			t.Errorf("both clients got %s", ips[0])
		}
	})
	t.Run("client-cert", func(t *testing.T) {
		t.Parallel()
		r := rig.New(t, rig.Options{})
		cc, err := r.PKI.ClientCert("erin", "staff")
		if err != nil {
			t.Fatal(err)
		}
		cfg := r.NewConfig().
			Set("auth", "certificate").
			Set("cert-user-oid", "2.5.4.3").
			Set("cert-group-oid", "2.5.4.11")
		srv := r.StartServer(cfg, rig.ServerOptions{Debug: 3})
		c := r.Connect(rig.ClientOptions{Cert: cc, NoDTLS: true})
		if err := c.Ping(r.ServerTunAddr(), 1); err != nil {
			t.Fatal(err)
		}
		if !srv.WaitLog("main[erin]", 5*time.Second) {
			t.Errorf("server log does not name user erin")
		}
		out, err := srv.Occtl("", "show", "user", "erin")
		if err != nil {
			t.Fatalf("occtl: %v", err)
		}
		if !strings.Contains(out, "erin") || !strings.Contains(out, "staff") {
			t.Errorf("occtl show users:\n%s", out)
		}
	})
}

// TestRigServerThatExits checks that a server refusing its configuration
// is seen to exit (the real ocserv rejects route = 0.0.0.0/0) and that
// ConnectFail reports a tunnel that comes up when it should not have.
func TestRigServerThatExits(t *testing.T) {
	rig.RequireRoot(t)
	r := rig.New(t, rig.Options{})
	bad := r.StartServer(r.NewConfig().Set("route", "0.0.0.0/0"), rig.ServerOptions{NoWait: true})
	if !bad.WaitExit(10 * time.Second) {
		t.Fatalf("server with route = 0.0.0.0/0 still running:\n%s", bad.Log())
	}
	if bad.ExitCode() == 0 {
		t.Errorf("exit code 0, log:\n%s", bad.Log())
	}
	if err := bad.WaitReady(time.Second); err == nil || !strings.Contains(err.Error(), "exited") {
		t.Errorf("WaitReady on an exited server: %v", err)
	}

	r.AddUser("frank", "pw")
	r.StartServer(r.NewConfig(), rig.ServerOptions{})
	start := time.Now()
	res := r.ConnectFail(rig.ClientOptions{User: "frank", Password: "pw", NoDTLS: true})
	if !res.TunnelUp || res.TimedOut || time.Since(start) > 10*time.Second {
		t.Errorf("ConnectFail with a right password: %+v after %v", res, time.Since(start))
	}
}
