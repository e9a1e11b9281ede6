package hostile

// procfs_test.go: a compromised worker (or anything else running as the
// run-as-user) tries to read another live worker through /proc: its
// environment (which used to carry the start-up message: the connection's
// auth-init HMAC and the configuration snapshot), its memory (the
// session's TLS and DTLS keys, the cookie) and its descriptors. With
// isolate-workers = false, so that only the worker's own start-up
// protects it. Both servers must deny all three. Opening /proc/PID/mem
// takes the kernel's ptrace attach check (ptrace_may_access with
// PTRACE_MODE_ATTACH), so its denial also stands for ptrace itself.

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// procfsStartupEnv is the variable ocserv-go's main used to hand a worker
// its start-up message in.
const procfsStartupEnv = "OCSERV_WORKER_STARTUP_MSG"

// procfsKinds returns the servers OCSERV_E2E_SERVERS selects ("real",
// "ours"; both by default), the real one first.
func procfsKinds() []string {
	v := os.Getenv("OCSERV_E2E_SERVERS")
	var out []string
	for _, k := range []string{"real", "ours"} {
		if v == "" || strings.Contains(","+strings.ReplaceAll(v, " ", "")+",", ","+k+",") {
			out = append(out, k)
		}
	}
	return out
}

// procfsWorkers lists the ocserv-worker processes in the server namespace,
// waiting up to 10 s for exactly n.
func procfsWorkers(t *testing.T, r *rig.Rig, n int) []int {
	t.Helper()
	var pids []int
	ok := rig.WaitFor(10*time.Second, func() bool {
		out, err := exec.Command("ip", "netns", "pids", r.ServerNS).Output()
		if err != nil {
			return false
		}
		pids = pids[:0]
		for _, f := range strings.Fields(string(out)) {
			pid, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			if comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid)); err == nil && strings.TrimSpace(string(comm)) == "ocserv-worker" {
				pids = append(pids, pid)
			}
		}
		return len(pids) == n
	})
	if !ok {
		t.Fatalf("ocserv-worker processes %v, want %d", pids, n)
	}
	sort.Ints(pids)
	return pids
}

// procfsNobody returns the uid and gid of nobody / nogroup (the rig's
// run-as-user and run-as-group).
func procfsNobody(t *testing.T) (uint32, uint32) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Fatalf("user nobody: %v", err)
	}
	g, err := user.LookupGroup("nogroup")
	if err != nil {
		t.Fatalf("group nogroup: %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	return uint32(uid), uint32(gid)
}

// procfsStatusUID returns the real uid of pid from /proc/PID/status.
func procfsStatusUID(t *testing.T, pid int) uint32 {
	t.Helper()
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("status of worker %d: %v", pid, err)
	}
	for _, l := range strings.Split(string(st), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "Uid:" {
			uid, _ := strconv.Atoi(f[1])
			return uint32(uid)
		}
	}
	t.Fatalf("worker %d: no Uid in status", pid)
	return 0
}

// procfsMappedAddr returns the start of the first readable mapping of pid
// (read as root), so that a successful read of /proc/PID/mem there means
// the memory is readable.
func procfsMappedAddr(t *testing.T, pid int) uint64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		t.Fatalf("maps of worker %d: %v", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 2 || !strings.HasPrefix(fs[1], "r") {
			continue
		}
		start, _, _ := strings.Cut(fs[0], "-")
		if a, err := strconv.ParseUint(start, 16, 64); err == nil {
			return a
		}
	}
	t.Fatalf("worker %d: no readable mapping", pid)
	return 0
}

// procfsAsNobody runs argv as uid/gid (no supplementary groups) with a
// 10 s limit and returns its output and error.
func procfsAsNobody(t *testing.T, uid, gid uint32, argv ...string) (string, error) {
	t.Helper()
	path, err := exec.LookPath(argv[0])
	if err != nil {
		t.Fatalf("the procfs attack needs %s: %v", argv[0], err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, argv[1:]...)
	cmd.Dir = "/"
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}}
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// procfsReadable runs probe name (see procfsProbes) as uid/gid and
// reports whether it read something: for mem, dd must have copied its
// byte (it only warns that it cannot seek on a procfs file).
func procfsReadable(t *testing.T, uid, gid uint32, name string, argv []string) (bool, string) {
	t.Helper()
	out, err := procfsAsNobody(t, uid, gid, argv...)
	ok := err == nil
	if name == "mem" {
		ok = ok && strings.Contains(out, "1+0 records in")
	}
	if err != nil {
		out = err.Error() + ": " + out
	}
	return ok, procfsShort(out)
}

// procfsProbes are the reads the attacker tries on pid: each must fail.
func procfsProbes(t *testing.T, pid int) map[string][]string {
	addr := procfsMappedAddr(t, pid)
	return map[string][]string{
		"environ": {"cat", fmt.Sprintf("/proc/%d/environ", pid)},
		"fd":      {"ls", fmt.Sprintf("/proc/%d/fd", pid)},
		"mem": {"dd", fmt.Sprintf("if=/proc/%d/mem", pid), "of=/dev/null", "bs=1", "count=1",
			"iflag=skip_bytes", fmt.Sprintf("skip=%d", addr)},
	}
}

// TestProcfsWorkerSecrets: as nobody (the run-as-user of every worker),
// with isolate-workers = false, reading another live worker's
// /proc/PID/environ and /proc/PID/mem and listing /proc/PID/fd all fail,
// on the real ocserv and on ours. The same probes on a process of the
// attacker's own succeed (control). As root, ours' worker environment
// carries no start-up message and no long (secret-sized) value.
func TestProcfsWorkerSecrets(t *testing.T) {
	rig.RequireRoot(t)
	uid, gid := procfsNobody(t)
	for _, kind := range procfsKinds() {
		t.Run(kind, func(t *testing.T) {
			r := rig.New(t, rig.Options{Clients: 2})
			r.AddUser("alice", "alice-Pass-1")
			cfg := r.NewConfig()
			cfg.Set("isolate-workers", "false")
			bin := rig.RealOcserv
			if kind == "ours" {
				bin = rig.BuildOurs(t, "ocserv")
			}
			r.StartServer(cfg, rig.ServerOptions{Binary: bin, Debug: 1})
			for link := 0; link < 2; link++ {
				c := r.Connect(rig.ClientOptions{Link: link, User: "alice", Password: "alice-Pass-1"})
				if err := c.WaitUp(20 * time.Second); err != nil {
					t.Fatalf("client %d: %v", link, err)
				}
			}
			pids := procfsWorkers(t, r, 2)
			for _, pid := range pids {
				if got := procfsStatusUID(t, pid); got != uid {
					t.Fatalf("worker %d runs as uid %d, want nobody (%d)", pid, got, uid)
				}
			}
			victim := pids[0]
			for name, argv := range procfsProbes(t, victim) {
				if ok, out := procfsReadable(t, uid, gid, name, argv); ok {
					t.Errorf("%s: as nobody, %s of worker %d is readable (%s)", kind, name, victim, out)
				} else {
					t.Logf("%s: as nobody, %s of worker %d denied (%s)", kind, name, victim, out)
				}
			}
			procfsControl(t, uid, gid)
			procfsEnvironAsRoot(t, kind, pids)
		})
	}
}

// procfsControl runs the same probes as nobody on a process of nobody's
// own (a sleep started as nobody): they must succeed, so that the denials
// above come from the worker's protection, not from the probe.
func procfsControl(t *testing.T, uid, gid uint32) {
	t.Helper()
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("the procfs control needs sleep: %v", err)
	}
	cmd := exec.Command(sleep, "30")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	for name, argv := range procfsProbes(t, cmd.Process.Pid) {
		if ok, out := procfsReadable(t, uid, gid, name, argv); !ok {
			t.Errorf("control: as nobody, %s of nobody's own process failed (%s)", name, out)
		}
	}
}

// procfsEnvironAsRoot checks the workers' environments as root: ours must
// carry no start-up message and no value long enough to be one; the real
// ocserv's is logged for reference.
func procfsEnvironAsRoot(t *testing.T, kind string, pids []int) {
	t.Helper()
	for _, pid := range pids {
		env, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		if err != nil {
			t.Fatalf("environ of worker %d (as root): %v", pid, err)
		}
		for _, kv := range bytes.Split(env, []byte{0}) {
			name, _, _ := strings.Cut(string(kv), "=")
			if kind != "ours" {
				if name == procfsStartupEnv {
					t.Logf("real: worker %d environment holds %s (%d bytes)", pid, name, len(kv))
				}
				continue
			}
			if name == procfsStartupEnv {
				t.Errorf("ours: worker %d environment holds %s", pid, name)
			}
			if len(kv) > 4096 {
				t.Errorf("ours: worker %d environment holds %s with %d bytes", pid, name, len(kv))
			}
		}
	}
}

// procfsShort trims a probe's output for a log line.
func procfsShort(s string) string {
	if len(s) > 200 {
		return s[:200] + "..."
	}
	return s
}
