package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestListenNetns: `listen-netns = NAME` opens the listening sockets inside
// /var/run/netns/NAME while the server itself (and its tun devices) lives
// in another namespace. The rig's server namespace, which the clients
// reach, is the listen namespace; the server runs in a second namespace
// created by the test that clients cannot reach. openconnect logs in, gets
// DTLS and pings the server's tunnel address; the tun device is in the
// server's namespace, not in the listen namespace. Same outcome with the
// real ocserv and ours.
func TestListenNetns(t *testing.T) {
	r := rig.New(t, rig.Options{})
	r.AddUser("alice", "alice-Pass-1")
	home := r.ServerNS[:len(r.ServerNS)-len("-srv")] + "-lx"
	if out, err := runCmd(10*time.Second, "ip", "netns", "add", home); err != nil {
		t.Fatalf("ip netns add %s: %v\n%s", home, err, out)
	}
	t.Cleanup(func() {
		if out, _ := runCmd(5*time.Second, "ip", "netns", "pids", home); out != "" {
			for _, pid := range strings.Fields(out) {
				runCmd(5*time.Second, "kill", "-9", pid)
			}
			time.Sleep(200 * time.Millisecond)
		}
		runCmd(10*time.Second, "ip", "netns", "del", home)
	})
	r.MustExec(home, "ip", "link", "set", "lo", "up")
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			// The rig starts servers in its server namespace; this
			// wrapper moves the server into the test's namespace.
			wrapper := filepath.Join(r.Dir, "netns-"+string(kind)+".sh")
			script := fmt.Sprintf("#!/bin/sh\nexec ip netns exec %s %s \"$@\"\n", home, serverBinary(t, kind))
			if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			cfg := dtlsConfig(r).Set("listen-netns", r.ServerNS)
			srv := r.StartServer(cfg, rig.ServerOptions{Binary: wrapper, Debug: 3})
			defer srv.Stop()
			c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1"})
			suite := waitDTLS(t, r, c, 20*time.Second)
			t.Logf("%s: DTLS %s", kind, suite)
			if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
				t.Fatal(err)
			}
			homeIfs, err := r.Interfaces(home)
			if err != nil {
				t.Fatal(err)
			}
			listenIfs, err := r.Interfaces(r.ServerNS)
			if err != nil {
				t.Fatal(err)
			}
			hasTun := func(ifs []string) bool {
				return slices.ContainsFunc(ifs, func(s string) bool { return strings.HasPrefix(s, r.Device()) })
			}
			if !hasTun(homeIfs) || hasTun(listenIfs) {
				t.Errorf("tun device: in the server's namespace %v, in the listen namespace %v", homeIfs, listenIfs)
			}
			// The DTLS client socket is a connected UDP socket in the listen namespace.
			out, _ := r.ExecTimeout(5*time.Second, r.ServerNS, "ss", "-Hun", "state", "established", "sport = :443")
			if strings.TrimSpace(out) == "" {
				t.Errorf("no connected UDP socket on port 443 in the listen namespace")
			}
			if err := c.Disconnect(); err != nil {
				t.Fatal(err)
			}
		})
	}
}
