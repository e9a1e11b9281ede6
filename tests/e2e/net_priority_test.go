package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

var (
	ssTosRe   = regexp.MustCompile(`\btos:(0x[0-9a-f]+|0)\b`)
	ssClassRe = regexp.MustCompile(`\bclass_id:(0x[0-9a-f]+|0)\b`)
	ssPidRe   = regexp.MustCompile(`pid=(\d+)`)
)

// sockPrio is what `ss --tos` prints for one server-side socket: the IP
// TOS byte and class_id (the kernel reports sk_priority there when no
// net_cls class is set) and the owning pid.
type sockPrio struct {
	tos, prio string
	pid       int
}

// serverSock waits (bounded) for the server namespace's established
// socket of proto ("t" or "u") towards client and returns its values.
func serverSock(t *testing.T, r *rig.Rig, proto, client string) (sockPrio, bool) {
	t.Helper()
	var last string
	for i := 0; i < 40; i++ {
		out, _ := r.Exec(r.ServerNS, "ss", "-H", "-n", "-p", "-"+proto, "--tos", "state", "established", "dst", client)
		last = out
		for _, l := range strings.Split(out, "\n") {
			tm, cm, pm := ssTosRe.FindStringSubmatch(l), ssClassRe.FindStringSubmatch(l), ssPidRe.FindStringSubmatch(l)
			if tm == nil || cm == nil || pm == nil {
				continue
			}
			pid, _ := strconv.Atoi(pm[1])
			return sockPrio{tos: tm[1], prio: cm[1], pid: pid}, true
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Logf("no %s socket to %s in ss output:\n%s", proto, client, last)
	return sockPrio{}, false
}

// procCgroup returns the path of pid's membership in a v1 hierarchy.
func procCgroup(t *testing.T, pid int, ctrl string) string {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatalf("cgroup of %d: %v", pid, err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) == 3 {
			for _, c := range strings.Split(f[1], ",") {
				if c == ctrl {
					return f[2]
				}
			}
		}
	}
	return ""
}

// testCgroups creates /sys/fs/cgroup/pids/NAME/{global,bob} (cgroup v1
// pids hierarchy) and removes them in Cleanup, moving any process still
// inside back to the hierarchy's root first. It skips when the pids
// hierarchy is not mounted as v1.
func testCgroups(t *testing.T, name string) string {
	t.Helper()
	root := "/sys/fs/cgroup/pids"
	if _, err := os.Stat(filepath.Join(root, "tasks")); err != nil {
		t.Skipf("no cgroup v1 pids hierarchy at %s (ocserv 1.1.6 supports only the v1 layout)", root)
	}
	base := filepath.Join(root, name)
	subs := []string{filepath.Join(base, "global"), filepath.Join(base, "bob")}
	for _, d := range subs {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		for _, d := range subs {
			b, _ := os.ReadFile(filepath.Join(d, "cgroup.procs"))
			for _, p := range strings.Fields(string(b)) {
				_ = os.WriteFile(filepath.Join(root, "cgroup.procs"), []byte(p), 0o644)
			}
			if err := os.Remove(d); err != nil {
				t.Logf("rmdir %s: %v", d, err)
			}
		}
		if err := os.Remove(base); err != nil {
			t.Logf("rmdir %s: %v", base, err)
		}
	})
	return name
}

// TestNetPriorityCgroup: net-priority and cgroup, global and per-user.
// alice gets the global values (net-priority = 5 → SO_PRIORITY 5;
// cgroup = pids:NAME/global), bob's config-per-user file overrides them
// (net-priority = 0x28 → IP TOS 0x28; cgroup = pids:NAME/bob). Read back
// from the server namespace with `ss --tos` on the client's TCP and DTLS
// sockets, and from /proc/WORKER/cgroup. Real ocserv first, then ours.
func TestNetPriorityCgroup(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{Clients: 2})
			cg := testCgroups(t, "ocsrvtest-netprio-"+r.ID)
			r.AddUser("alice", "alice-Pass-1")
			r.AddUser("bob", "bob-Pass-1")
			perUser := filepath.Join(r.Dir, "netprio-peruser")
			if err := os.MkdirAll(perUser, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(perUser, "bob"), []byte("net-priority = 0x28\ncgroup = pids:"+cg+"/bob\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg := dtlsConfig(r).Set("net-priority", "5").Set("cgroup", "pids:"+cg+"/global").
				Set("config-per-user", perUser+"/")
			srv := startKind(t, r, kind, cfg)
			defer srv.Stop()
			// `ip netns exec` gives the server a private mount namespace
			// with a fresh sysfs: no cgroup hierarchy is mounted under
			// /sys/fs/cgroup there, so both servers would only log
			// "cannot open: .../tasks". Mount the v1 pids hierarchy inside
			// that private namespace (it goes away with the server).
			mnt := "mount -t tmpfs cgtest /sys/fs/cgroup && mkdir /sys/fs/cgroup/pids && mount -t cgroup -o pids cgroup /sys/fs/cgroup/pids"
			if out, err := r.ExecTimeout(10*time.Second, r.ServerNS, "nsenter", "-t", strconv.Itoa(srv.PID()), "-m", "sh", "-c", mnt); err != nil {
				t.Fatalf("mounting the pids hierarchy in the server's mount namespace: %v\n%s", err, out)
			}

			for i, u := range []struct {
				name, pass, tos, prio, cgroup string
			}{
				{"alice", "alice-Pass-1", "0", "0x5", "/" + cg + "/global"},
				// Linux derives sk_priority 2 from TOS 0x28 itself.
				{"bob", "bob-Pass-1", "0x28", "0x2", "/" + cg + "/bob"},
			} {
				c := r.Connect(rig.ClientOptions{Link: i, User: u.name, Password: u.pass, Args: []string{"-v"}})
				if suite := waitDTLS(t, r, c, 15*time.Second); suite == "" {
					t.Fatalf("%s: no DTLS", u.name)
				}
				addr := r.Links[i].ClientAddr.String()
				tcp, ok := serverSock(t, r, "t", addr)
				if !ok {
					t.Fatalf("%s: no server TCP socket", u.name)
				}
				udp, ok := serverSock(t, r, "u", addr)
				if !ok {
					t.Fatalf("%s: no server UDP socket", u.name)
				}
				cgp := procCgroup(t, tcp.pid, "pids")
				t.Logf("%s %s: TCP tos %s prio %s (pid %d), UDP tos %s prio %s (pid %d), worker pids cgroup %s",
					kind, u.name, tcp.tos, tcp.prio, tcp.pid, udp.tos, udp.prio, udp.pid, cgp)
				for _, s := range []struct {
					what string
					sp   sockPrio
				}{{"TCP", tcp}, {"UDP", udp}} {
					if s.sp.tos != u.tos || s.sp.prio != u.prio {
						t.Errorf("%s %s socket: tos %s class_id %s, want %s %s", u.name, s.what, s.sp.tos, s.sp.prio, u.tos, u.prio)
					}
				}
				if !strings.Contains(srv.Log(), fmt.Sprintf("putting process %d to cgroup 'pids:%s'", tcp.pid, strings.TrimPrefix(u.cgroup, "/"))) {
					t.Errorf("%s: no 'putting process %d to cgroup' in the log", u.name, tcp.pid)
				}
				if cgp != u.cgroup {
					t.Errorf("%s worker %d in pids cgroup %q, want %q", u.name, tcp.pid, cgp, u.cgroup)
				}
			}
		})
	}
}
