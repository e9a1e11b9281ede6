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

// TestProcessGroup (issue 15): the server is one process group led by
// main, so init scripts and supervisors can stop it with
// `kill -- -$(cat PIDFILE)`. A shell script starts the server in the
// background (as a new user would), waits for the pid file, lets the test
// connect a client, then runs `kill -- -PID; wait`. For each server and
// start mode the test checks that main's process group is its own pid,
// that sec-mod and the workers are in that group, and that after the kill
// every process of the server is gone, its tun devices are removed and the
// script's `wait` returned.
func TestProcessGroup(t *testing.T) {
	modes := []struct {
		name       string
		daemon     bool // no -f: the server detaches, `wait` has nothing to wait for
		activation bool // started through the socket-activation launcher
		client     bool // connect a user first (a worker and a tun device exist)
	}{
		{"foreground", false, false, true},
		{"daemon", true, false, true},
		{"socket activation", false, true, false},
	}
	for _, kind := range coreServers() {
		for _, m := range modes {
			t.Run(string(kind)+"/"+m.name, func(t *testing.T) {
				r := rig.New(t, rig.Options{})
				r.AddUser("alice", "alice-Pass-1")
				cfg := r.NewConfig()
				launcher := ""
				if m.activation {
					self, err := os.Executable()
					if err != nil {
						t.Fatal(err)
					}
					// The launcher passes a listening socket on 443; the
					// real ocserv (no libsystemd) binds tcp-port itself.
					cfg.Set("tcp-port", "4443").Del("udp-port")
					launcher = fmt.Sprintf("env OCR_ACTIVATE=tcp:%s:443 OCR_ACTIVATE_EXEC=%s %s",
						r.Link(0).ServerAddr, serverBinary(t, kind), self)
				}
				pgroupRun(t, r, kind, cfg, launcher, m.daemon, m.client)
			})
		}
	}
}

// pgroupRun writes and runs the start-and-stop script and checks the
// server's process group before and after the group kill.
func pgroupRun(t *testing.T, r *rig.Rig, kind serverKind, cfg *rig.Config, launcher string, daemon, client bool) {
	t.Helper()
	conf := filepath.Join(r.Dir, "pgroup.conf")
	if err := cfg.Write(conf); err != nil {
		t.Fatal(err)
	}
	pidFile := filepath.Join(r.Dir, "pgroup.pid")
	goFile := filepath.Join(r.Dir, "pgroup.go")
	cmd := serverBinary(t, kind)
	if launcher != "" {
		cmd = launcher
	}
	start := fmt.Sprintf("%s -f -d 1 -p %s -c %s &", cmd, pidFile, conf)
	if daemon {
		start = fmt.Sprintf("%s -p %s -c %s", cmd, pidFile, conf)
	}
	script := fmt.Sprintf(`#!/bin/sh
%s
i=0
while [ ! -s %[2]s ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
echo "started $(cat %[2]s)"
i=0
while [ ! -e %[3]s ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i+1)); done
kill -- -$(cat %[2]s)
echo "kill status $?"
wait
echo "wait returned"
`, start, pidFile, goFile)
	path := filepath.Join(r.Dir, "pgroup.sh")
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	sh := r.Start(r.ServerNS, "pgroup-script", "/bin/sh", path)

	var pid int
	if !rig.WaitFor(25*time.Second, func() bool {
		m := regexp.MustCompile(`started (\d+)`).FindStringSubmatch(sh.Log())
		if m != nil {
			pid, _ = strconv.Atoi(m[1])
		}
		return pid > 0
	}) {
		t.Fatalf("the server wrote no pid file:\n%s", sh.Log())
	}
	port := 443
	if launcher != "" && kind == realServer {
		port = 4443
	}
	r.WaitFor(15*time.Second, "the server listens", func() bool { return listening(r, r.ServerNS, "tcp", port) })
	if client {
		c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1", NoDTLS: true})
		if err := c.Ping(r.ServerTunAddr(), 1); err != nil {
			t.Errorf("ping through the tunnel: %v", err)
		}
	}

	procs := pgroupServerProcs(t, r)
	want := 2 // main and sec-mod
	if client {
		want = 3
	}
	if len(procs) < want {
		t.Errorf("server processes %v, want at least main, sec-mod%s", procs, map[bool]string{true: " and a worker"}[client])
	}
	for p, pg := range procs {
		if pg != pid {
			t.Errorf("%s is in process group %d, want main's pid %d", p, pg, pid)
		}
	}
	// On to the kill even after a failure above: with main outside its
	// own group the kill fails and the script's `wait` hangs.
	t.Logf("server up, checked after %v", time.Since(t0).Round(time.Millisecond))
	if err := os.WriteFile(goFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	defer func() { t.Logf("script ended %v after the kill", time.Since(t1).Round(time.Millisecond)) }()
	if !sh.Wait(20 * time.Second) {
		t.Fatalf("the script did not end within 20 s of `kill -- -%d; wait`:\n%s", pid, sh.Log())
	}
	if !strings.Contains(sh.Log(), "kill status 0") || !strings.Contains(sh.Log(), "wait returned") {
		t.Errorf("script output:\n%s", sh.Log())
	}
	if !rig.WaitFor(10*time.Second, func() bool { return len(pgroupServerProcs(t, r)) == 0 }) {
		t.Errorf("server processes left 10 s after the group kill: %v", pgroupServerProcs(t, r))
	}
	if !rig.WaitFor(10*time.Second, func() bool { return len(pgroupTuns(t, r)) == 0 }) {
		t.Errorf("tun devices left after the group kill: %v", pgroupTuns(t, r))
	}
}

// pgroupServerProcs maps "comm[pid]" to the process group of every
// ocserv process (main, sec-mod, workers) in the server namespace.
func pgroupServerProcs(t *testing.T, r *rig.Rig) map[string]int {
	t.Helper()
	res := map[string]int{}
	for _, p := range nsProcs(t, r.ServerNS) {
		if !strings.HasPrefix(p.Comm, "ocserv") {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p.PID))
		if err != nil {
			continue // gone meanwhile
		}
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 3 || f[0] == "Z" {
			continue
		}
		pg, _ := strconv.Atoi(f[2]) // state ppid pgrp
		res[fmt.Sprintf("%s[%d]", p.Comm, p.PID)] = pg
	}
	return res
}

// pgroupTuns lists the server's tun devices (the rig's device prefix).
func pgroupTuns(t *testing.T, r *rig.Rig) []string {
	t.Helper()
	names, err := r.Interfaces(r.ServerNS)
	if err != nil {
		t.Fatalf("listing interfaces: %v", err)
	}
	var tuns []string
	for _, n := range names {
		if strings.HasPrefix(n, r.Device()) {
			tuns = append(tuns, n)
		}
	}
	return tuns
}
