package e2e

import (
	"os"
	"strings"
	"testing"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestOurOcpasswdFileWithRealOcserv writes the password file with our
// ocpasswd (./cmd/ocpasswd) and checks that the real ocserv accepts it: the
// right password logs in, a wrong one and a user locked with our -l are
// refused, and the user logs in again after our -u.
func TestOurOcpasswdFileWithRealOcserv(t *testing.T) {
	rig.RequireRoot(t)
	ours := rig.BuildOurs(t, "ocpasswd")
	r := rig.New(t, rig.Options{Ocpasswd: ours})
	r.AddUser("bob", "bob-pass-2", "admins", "users")
	r.AddUser("carol", "carol-pass-3")
	r.LockUser("carol")

	file, err := os.ReadFile(r.PasswdFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(file), "bob:admins,users:$5$") || !strings.Contains(string(file), "carol:*:!$5$") {
		t.Fatalf("password file written by our ocpasswd:\n%s", file)
	}

	r.StartServer(r.NewConfig(), rig.ServerOptions{})

	t.Run("right password", func(t *testing.T) {
		c := r.Connect(rig.ClientOptions{User: "bob", Password: "bob-pass-2", NoDTLS: true})
		if ip := c.IP(); !r.PoolNet.Contains(ip) {
			t.Fatalf("client address %v not in pool %v", ip, r.PoolNet)
		}
		if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
			t.Fatalf("ping through the tunnel: %v", err)
		}
		if err := c.Disconnect(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		res := r.ConnectFail(rig.ClientOptions{User: "bob", Password: "not-bobs", NoDTLS: true})
		assertRefused(t, res)
	})
	t.Run("locked user", func(t *testing.T) {
		res := r.ConnectFail(rig.ClientOptions{User: "carol", Password: "carol-pass-3", NoDTLS: true})
		assertRefused(t, res)
	})
	// The same password works once our ocpasswd unlocks the user, so the
	// refusal above was the lock.
	t.Run("unlocked user", func(t *testing.T) {
		r.UnlockUser("carol")
		c := r.Connect(rig.ClientOptions{User: "carol", Password: "carol-pass-3", NoDTLS: true})
		if err := c.Disconnect(); err != nil {
			t.Fatal(err)
		}
	})
}

func assertRefused(t *testing.T, res *rig.Result) {
	t.Helper()
	if res.TimedOut || res.ExitCode == 0 || res.TunnelUp {
		t.Fatalf("login not refused: exit %d, timed out %v, tunnel up %v; output:\n%s",
			res.ExitCode, res.TimedOut, res.TunnelUp, res.Output)
	}
	if !strings.Contains(res.Output, "Login failed.") {
		t.Fatalf("client was not told \"Login failed.\":\n%s", res.Output)
	}
	if strings.Contains(res.Output, "CONNECTED") {
		t.Fatalf("client reached CONNECT:\n%s", res.Output)
	}
}
