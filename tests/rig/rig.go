// Package rig is the end-to-end test rig for ocserv-go.
//
// A Rig gives one test a private little network: a server network namespace
// and N client namespaces, each client joined to the server by its own veth
// pair with private addresses that exist only inside those namespaces. On top
// of that it generates a CA and server certificate (crypto/x509), writes an
// ocserv configuration and password files, starts a server binary (the real
// /usr/sbin/ocserv or ours) in the server namespace, and runs real
// openconnect clients in the client namespaces with a client script that
// records what the client was told (address, routes, DNS).
//
// Everything the rig creates is removed by t.Cleanup, also when the test
// fails or panics: processes are killed by PID (each one leads its own
// process group), namespaces and links are deleted. Namespaces left behind by
// a crashed earlier run of the rig (recognised by the exact naming scheme and
// a dead owner PID) are removed when the next rig starts.
//
// The rig needs root. Without root it skips the test, unless the environment
// variable CI is non-empty, in which case it fails; a missing program always
// fails the test.
package rig

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// Prefix starts the name of every namespace and link the rig creates.
const Prefix = "ocr"

// Default programs used when Options leave them empty.
const (
	RealOcserv   = "/usr/sbin/ocserv"
	RealOcpasswd = "/usr/bin/ocpasswd"
	Openconnect  = "openconnect"
)

// Options shape a Rig. The zero value is usable: one client namespace, an
// RSA-2048 certificate.
type Options struct {
	// Clients is the number of client namespaces (default 1, at most 99).
	Clients int
	// KeyType selects the CA and server key algorithm (default RSA).
	KeyType KeyType
	// Ocpasswd is the ocpasswd program used by AddUser (default RealOcpasswd).
	Ocpasswd string
}

// Link is one client namespace and its veth pair to the server namespace.
type Link struct {
	Index      int
	NS         string     // client namespace name
	ServerIf   string     // veth end inside the server namespace
	ClientIf   string     // veth end inside the client namespace
	ServerAddr netip.Addr // address of ServerIf (/30)
	ClientAddr netip.Addr // address of ClientIf (/30)
}

// Rig is one test's private network and files. Create it with New.
type Rig struct {
	T        testing.TB
	ID       string // short unique id, part of every name
	Dir      string // private work directory (mode 0711, removed at cleanup)
	ServerNS string // server namespace name
	Links    []Link // one per client namespace
	PKI      *PKI   // CA and server certificate

	// PoolNet is the default VPN address pool (a /24 unique to this rig).
	PoolNet netip.Prefix
	// Ocpasswd is the program AddUser runs.
	Ocpasswd string
	// PasswdFile is the default plain password file (Dir/ocpasswd).
	PasswdFile string

	mu      sync.Mutex
	procs   []*proc // every process started, killed at cleanup
	clients []*Client
	servers []*Server
}

var rigCounter atomic.Uint32

// New builds the namespaces, links and certificates for one test and
// registers their removal with t.Cleanup.
func New(t testing.TB, opt Options) *Rig {
	t.Helper()
	RequireRoot(t)
	RequireProgram(t, "ip", "ss", "ping", Openconnect)
	if opt.Clients <= 0 {
		opt.Clients = 1
	}
	if opt.Clients > 99 {
		t.Fatalf("rig: at most 99 client namespaces, asked for %d", opt.Clients)
	}
	if opt.Ocpasswd == "" {
		opt.Ocpasswd = RealOcpasswd
	}
	removeStale(t)

	n := rigCounter.Add(1)
	id := procID() + pad36(int64(n%1296), 2)
	r := &Rig{T: t, ID: id, ServerNS: Prefix + id + "-srv", Ocpasswd: opt.Ocpasswd}

	dir, err := os.MkdirTemp("", Prefix+id+"-")
	if err != nil {
		t.Fatalf("rig: temp dir: %v", err)
	}
	// The server's unprivileged processes (run-as-user) must reach the
	// sockets below this directory, but need not list it.
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatalf("rig: chmod %s: %v", dir, err)
	}
	r.Dir = dir
	r.PasswdFile = dir + "/ocpasswd"
	t.Cleanup(r.cleanup)

	h := fnv.New32a()
	h.Write([]byte(id))
	sum := h.Sum32()
	a, b := byte(16+sum%200), byte(sum>>8)
	r.PoolNet = netip.PrefixFrom(netip.AddrFrom4([4]byte{172, byte(16 + (sum>>16)%16), byte(sum >> 24), 0}), 24)

	r.mustIP("netns", "add", r.ServerNS)
	r.mustIP("-n", r.ServerNS, "link", "set", "lo", "up")
	for i := 0; i < opt.Clients; i++ {
		// 64 /30 links per third octet; the index picks the block.
		base := 4 * (i % 64)
		third := b + byte(i/64)
		l := Link{
			Index:      i,
			NS:         fmt.Sprintf("%s%s-c%d", Prefix, id, i),
			ServerIf:   fmt.Sprintf("%s%ss%d", Prefix, id, i),
			ClientIf:   fmt.Sprintf("%s%sc%d", Prefix, id, i),
			ServerAddr: netip.AddrFrom4([4]byte{10, a, third, byte(base + 1)}),
			ClientAddr: netip.AddrFrom4([4]byte{10, a, third, byte(base + 2)}),
		}
		r.Links = append(r.Links, l)
		r.mustIP("netns", "add", l.NS)
		r.mustIP("-n", l.NS, "link", "set", "lo", "up")
		r.mustIP("-n", r.ServerNS, "link", "add", l.ServerIf, "type", "veth", "peer", "name", l.ClientIf, "netns", l.NS)
		r.mustIP("-n", r.ServerNS, "addr", "add", l.ServerAddr.String()+"/30", "dev", l.ServerIf)
		r.mustIP("-n", l.NS, "addr", "add", l.ClientAddr.String()+"/30", "dev", l.ClientIf)
		r.mustIP("-n", r.ServerNS, "link", "set", l.ServerIf, "up")
		r.mustIP("-n", l.NS, "link", "set", l.ClientIf, "up")
	}

	var ips []netip.Addr
	for _, l := range r.Links {
		ips = append(ips, l.ServerAddr)
	}
	pki, err := NewPKI(dir+"/pki", opt.KeyType, "server."+id+".test", ips)
	if err != nil {
		t.Fatalf("rig: %v", err)
	}
	r.PKI = pki

	// The links come up asynchronously; wait until each client reaches
	// its server address.
	for _, l := range r.Links {
		l := l
		r.WaitFor(10*time.Second, "link "+l.ClientIf+" up", func() bool {
			_, err := r.Exec(l.NS, "ping", "-c", "1", "-W", "1", "-q", l.ServerAddr.String())
			return err == nil
		})
	}
	return r
}

// RequireRoot skips the test unless it runs as root; with CI set it fails
// instead.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") != "" {
		t.Fatal("e2e: needs root (creates network namespaces), and CI is set")
	}
	t.Skip("e2e: needs root (creates network namespaces)")
}

// RequireProgram fails the test if a program is not installed.
func RequireProgram(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Fatalf("e2e: needs program %q: %v", n, err)
		}
	}
}

// Link returns link i (0-based), failing the test if it does not exist.
func (r *Rig) Link(i int) Link {
	r.T.Helper()
	if i < 0 || i >= len(r.Links) {
		r.T.Fatalf("rig: no client namespace %d (have %d)", i, len(r.Links))
	}
	return r.Links[i]
}

// ServerTunAddr is the server's end of every tunnel from PoolNet: network+1.
func (r *Rig) ServerTunAddr() netip.Addr { return r.PoolNet.Addr().Next() }

// Exec runs a command inside namespace ns (bounded to 30 s) and returns its
// combined output.
func (r *Rig) Exec(ns string, args ...string) (string, error) {
	return r.ExecTimeout(30*time.Second, ns, args...)
}

// ExecTimeout is Exec with an explicit bound.
func (r *Rig) ExecTimeout(d time.Duration, ns string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	full := append([]string{"netns", "exec", ns}, args...)
	cmd := exec.CommandContext(ctx, "ip", full...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		err = fmt.Errorf("%s: timed out after %v", strings.Join(args, " "), d)
	} else if err != nil {
		err = fmt.Errorf("%s in %s: %w: %s", strings.Join(args, " "), ns, err, bytes.TrimSpace(out))
	}
	return string(out), err
}

// MustExec is Exec that fails the test on error.
func (r *Rig) MustExec(ns string, args ...string) string {
	r.T.Helper()
	out, err := r.Exec(ns, args...)
	if err != nil {
		r.T.Fatalf("rig: %v", err)
	}
	return out
}

// Ping sends count pings (2 s reply timeout each) from namespace ns to addr
// and returns nil if at least one reply arrived.
func (r *Rig) Ping(ns string, addr netip.Addr, count int) error {
	if count <= 0 {
		count = 1
	}
	_, err := r.ExecTimeout(time.Duration(count)*3*time.Second+5*time.Second, ns,
		"ping", "-c", strconv.Itoa(count), "-W", "2", "-i", "0.2", addr.String())
	return err
}

// WaitFor polls cond every 100 ms until it is true or timeout passes, then
// fails the test naming what it waited for.
func (r *Rig) WaitFor(timeout time.Duration, what string, cond func() bool) {
	r.T.Helper()
	if !WaitFor(timeout, cond) {
		r.T.Fatalf("rig: timed out after %v waiting for %s", timeout, what)
	}
}

// WaitFor polls cond every 100 ms until it is true (returns true) or
// timeout passes (returns false).
func WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Interfaces lists the interface names in namespace ns.
func (r *Rig) Interfaces(ns string) ([]string, error) {
	out, err := r.Exec(ns, "ip", "-o", "link", "show")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		names = append(names, name)
	}
	return names, nil
}

func (r *Rig) mustIP(args ...string) {
	r.T.Helper()
	if out, err := runIP(args...); err != nil {
		r.T.Fatalf("rig: ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

func runIP(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ip", args...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// cleanup runs at the end of the test: stop clients, servers and stray
// processes, print logs on failure, delete namespaces and the directory.
func (r *Rig) cleanup() {
	r.mu.Lock()
	clients, servers, procs := r.clients, r.servers, r.procs
	r.mu.Unlock()
	for _, c := range clients {
		c.stop(3 * time.Second)
	}
	for _, s := range servers {
		s.stop(5 * time.Second)
	}
	for _, p := range procs {
		p.kill()
	}
	for _, s := range servers {
		for _, rep := range raceReports(s.Log()) {
			r.T.Errorf("rig: server %s (%s) reported a data race:\n%s", s.Name, s.Binary, rep)
		}
	}
	if r.T.Failed() {
		for _, s := range servers {
			r.T.Logf("rig: server log %s (tail):\n%s", s.LogPath, tail(s.Log(), 60))
		}
		for _, c := range clients {
			r.T.Logf("rig: client %s log %s (tail):\n%s", c.Name, c.LogPath, tail(c.Log(), 40))
		}
	}
	names := []string{}
	for _, l := range r.Links {
		names = append(names, l.NS)
	}
	if r.ServerNS != "" {
		names = append(names, r.ServerNS)
	}
	for _, ns := range names {
		killNamespace(ns)
	}
	for _, l := range r.Links {
		runIP("-n", r.ServerNS, "link", "del", l.ServerIf)
	}
	for _, ns := range names {
		if _, err := os.Stat("/run/netns/" + ns); err != nil {
			continue
		}
		if out, err := runIP("netns", "del", ns); err != nil {
			r.T.Errorf("rig: ip netns del %s: %v: %s", ns, err, out)
		}
	}
	if r.Dir != "" {
		if r.T.Failed() && os.Getenv("OCSERV_E2E_KEEP") != "" {
			r.T.Logf("rig: kept %s (OCSERV_E2E_KEEP)", r.Dir)
		} else {
			os.RemoveAll(r.Dir)
		}
	}
}

// killNamespace SIGKILLs every process still inside namespace ns. Only
// namespaces this rig created are passed here, so these are processes the
// rig (or the server it started) created.
func killNamespace(ns string) {
	for round := 0; round < 20; round++ {
		out, err := runIP("netns", "pids", ns)
		if err != nil || strings.TrimSpace(out) == "" {
			return
		}
		for _, f := range strings.Fields(out) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != os.Getpid() {
				syscall.Kill(pid, syscall.SIGKILL)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// procID is this process's PID in 5 base-36 digits: the part of every
// name that tells whose it is.
func procID() string { return pad36(int64(os.Getpid()), 5) }

func pad36(n int64, width int) string {
	s := strconv.FormatInt(n, 36)
	for len(s) < width {
		s = "0" + s
	}
	return s
}

// ownerDead reports whether the 5 base-36 digits name a PID that is gone.
func ownerDead(pid36 string) (int64, bool) {
	pid, err := strconv.ParseInt(pid36, 36, 64)
	if err != nil || pid <= 0 {
		return 0, false
	}
	err = syscall.Kill(int(pid), 0)
	return pid, errors.Is(err, syscall.ESRCH)
}

// removeStale deletes namespaces named like this rig's (Prefix, 5 base-36
// PID digits, 2 counter digits, "-srv" or "-cN") whose owner PID is gone.
func removeStale(t testing.TB) {
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		name := e.Name()
		id, ok := parseNSName(name)
		if !ok {
			continue
		}
		pid, dead := ownerDead(id[:5])
		if !dead {
			continue // owner alive (or PID reused): leave it
		}
		killNamespace(name)
		if out, err := runIP("netns", "del", name); err != nil {
			t.Logf("rig: removing stale namespace %s: %v: %s", name, err, out)
		} else {
			t.Logf("rig: removed stale namespace %s left by dead PID %d", name, pid)
		}
	}
	removeStaleDirs(t)
}

// removeStaleDirs deletes the rig's temp directories (Prefix + 5 base-36
// PID digits + 2 counter digits or "bin", then "-") whose owner PID is gone.
func removeStaleDirs(t testing.TB) {
	matches, _ := filepath.Glob(filepath.Join(os.TempDir(), Prefix+"*-*"))
	for _, m := range matches {
		base := filepath.Base(m)
		rest := strings.TrimPrefix(base, Prefix)
		if len(rest) < 9 || !isBase36(rest[:5]) {
			continue
		}
		if !(isBase36(rest[5:7]) && rest[7] == '-' || strings.HasPrefix(rest[5:], "bin-")) {
			continue
		}
		if st, err := os.Lstat(m); err != nil || !st.IsDir() {
			continue
		}
		if pid, dead := ownerDead(rest[:5]); dead {
			if err := os.RemoveAll(m); err == nil {
				t.Logf("rig: removed stale directory %s left by dead PID %d", m, pid)
			}
		}
	}
}

func isBase36(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z') {
			return false
		}
	}
	return true
}

func parseNSName(name string) (id string, ok bool) {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok || len(rest) < 7+3 {
		return "", false
	}
	id, suffix := rest[:7], rest[7:]
	if !isBase36(id) {
		return "", false
	}
	if suffix == "-srv" {
		return id, true
	}
	num, ok := strings.CutPrefix(suffix, "-c")
	if !ok {
		return "", false
	}
	if n, err := strconv.Atoi(num); err != nil || n < 0 || n > 99 || strconv.Itoa(n) != num {
		return "", false
	}
	return id, true
}

func tail(s string, lines int) string {
	ls := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}
