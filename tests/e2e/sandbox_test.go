package e2e

import (
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// procStatus returns the value of field (e.g. "Seccomp") in /proc/PID/status.
func procStatus(t *testing.T, pid int, field string) string {
	t.Helper()
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("status of %d: %v", pid, err)
	}
	for _, l := range strings.Split(string(st), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// TestSandboxSession: with isolate-workers = true, one client on DTLS and
// one on CSTP only (--no-dtls) log in, ping, move 5 MB each way, survive
// several DPD intervals (dpd = 2) and disconnect; ours' workers run under
// a seccomp filter (Seccomp: 2) with no_new_privs, are not dumpable and
// have oom_score_adj 1000. The real ocserv runs the same session as the
// reference (its process flags are logged).
func TestSandboxSession(t *testing.T) {
	const size = 5 << 20
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{Clients: 2})
			r.AddUser("alice", "alice-Pass-1")
			cfg := dtlsConfig(r)
			cfg.Set("isolate-workers", "true")
			cfg.Set("dpd", "2")
			startKind(t, r, kind, cfg)

			cd := r.Connect(rig.ClientOptions{Link: 0, User: "alice", Password: "alice-Pass-1", Args: []string{"-v"}})
			if suite := waitDTLS(t, r, cd, 15*time.Second); suite == "" {
				t.Fatal("no DTLS")
			}
			cc := r.Connect(rig.ClientOptions{Link: 1, User: "alice", Password: "alice-Pass-1", Args: []string{"-v", "--no-dtls"}})
			if err := cc.WaitUp(20 * time.Second); err != nil {
				t.Fatalf("CSTP client: %v", err)
			}
			ws := waitWorkers(t, r, 2)
			for _, w := range ws {
				sc, nnp := procStatus(t, w.PID, "Seccomp"), procStatus(t, w.PID, "NoNewPrivs")
				oom, _ := os.ReadFile(fmt.Sprintf("/proc/%d/oom_score_adj", w.PID))
				uid := procStatus(t, w.PID, "Uid")
				t.Logf("%s worker %d: Seccomp %s, NoNewPrivs %s, oom_score_adj %s (Uid %s)", kind, w.PID, sc, nnp, strings.TrimSpace(string(oom)), uid)
				if kind == ourServer {
					if sc != "2" || nnp != "1" {
						t.Errorf("worker %d: Seccomp %q NoNewPrivs %q, want 2 and 1", w.PID, sc, nnp)
					}
					if strings.TrimSpace(string(oom)) != "1000" {
						t.Errorf("worker %d: oom_score_adj %q, want 1000", w.PID, oom)
					}
				}
			}

			srv := r.ServerTunAddr()
			for i, c := range []*rig.Client{cd, cc} {
				if err := c.Ping(srv, 3); err != nil {
					t.Fatalf("client %d ping: %v", i, err)
				}
				port := 5101 + 2*i
				tcpTransfer(t, r, c.NS, r.ServerNS, fmt.Sprintf("%s:%d", srv, port), fmt.Sprintf("%s:%d", srv, port), size)
				tcpTransfer(t, r, r.ServerNS, c.NS, fmt.Sprintf("%s:%d", c.IP(), port+1), fmt.Sprintf("%s:%d", c.IP(), port+1), size)
			}

			// DPD every 2 s: after a few idle intervals both tunnels still carry traffic.
			time.Sleep(7 * time.Second)
			for i, c := range []*rig.Client{cd, cc} {
				if !c.Running() {
					t.Fatalf("client %d exited during the idle DPD period:\n%s", i, c.Log())
				}
				if err := c.Ping(srv, 2); err != nil {
					t.Fatalf("client %d ping after DPD period: %v", i, err)
				}
				if n := strings.Count(c.Log(), "DPD"); n == 0 {
					t.Errorf("client %d: no DPD in the openconnect log", i)
				}
			}
			if n := dtlsCount(cd); n != 1 {
				t.Errorf("DTLS established %d times, want 1 (no fallback or reconnect)", n)
			}
			for i, c := range []*rig.Client{cd, cc} {
				if err := c.Disconnect(); err != nil {
					t.Fatalf("client %d disconnect: %v", i, err)
				}
			}
			waitWorkers(t, r, 0)
		})
	}
}

// sandboxCgoWorker rebuilds the ocserv-worker beside our server binary
// with CGO_ENABLED=1 and no build tags, as a packager's plain
// `go build ./cmd/...` does: the worker then links runtime/cgo and glibc
// dynamically (net's cgo resolver). It fails the test unless the result
// really has a program interpreter, so that the session test below
// exercises a glibc worker.
func sandboxCgoWorker(t *testing.T, server string) {
	t.Helper()
	root, err := rig.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(filepath.Dir(server), "ocserv-worker")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/ocserv-worker")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=1 go build ./cmd/ocserv-worker: %v\n%s", err, msg)
	}
	f, err := elf.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dynamic := false
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			dynamic = true
		}
	}
	if !dynamic {
		t.Fatalf("%s has no program interpreter: the cgo build is static, this test would not exercise glibc", out)
	}
}

// TestSandboxCgoWorker: a worker built with cgo on (dynamically linked,
// glibc starts its threads with clone3 and registers rseq on each) serves
// several connections in a row under isolate-workers = true. Before the
// filter allowed rseq, such a worker died with "Fatal glibc error: rseq
// registration failed" as soon as the runtime started a thread after the
// filter was on. Ours only: the real ocserv has no Go worker to rebuild.
func TestSandboxCgoWorker(t *testing.T) {
	if !wantServer(ourServer) {
		t.Skip("OCSERV_E2E_SERVERS excludes ours")
	}
	const sessions = 4
	r := rig.New(t, rig.Options{Clients: 1})
	r.AddUser("alice", "alice-Pass-1")
	bin := rig.BuildOurs(t, "ocserv")
	sandboxCgoWorker(t, bin)
	cfg := dtlsConfig(r)
	cfg.Set("isolate-workers", "true")
	srv := r.StartServer(cfg, rig.ServerOptions{Binary: bin, Debug: 3})
	for i := 0; i < sessions; i++ {
		args := []string{"-v"}
		if i%2 == 1 {
			args = append(args, "--no-dtls")
		}
		c := r.Connect(rig.ClientOptions{Link: 0, User: "alice", Password: "alice-Pass-1", Args: args})
		if err := c.WaitUp(20 * time.Second); err != nil {
			t.Fatalf("session %d: %v\nserver log:\n%s", i, err, srv.Log())
		}
		ws := waitWorkers(t, r, 1)
		if sc := procStatus(t, ws[0].PID, "Seccomp"); sc != "2" {
			t.Errorf("session %d: worker %d Seccomp %q, want 2", i, ws[0].PID, sc)
		}
		if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
			t.Fatalf("session %d ping: %v\nserver log:\n%s", i, err, srv.Log())
		}
		if err := c.Disconnect(); err != nil {
			t.Fatalf("session %d disconnect: %v", i, err)
		}
		waitWorkers(t, r, 0)
	}
	if log := srv.Log(); strings.Contains(log, "rseq") || strings.Contains(log, "Fatal glibc error") {
		t.Errorf("glibc failure in the server log:\n%s", log)
	}
}
