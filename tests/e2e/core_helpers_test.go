package e2e

// Helpers shared by the core_*_test.go acceptance tests of the
// multi-process core (main, sec-mod, worker).
//
// The tests run every criterion against the real ocserv 1.1.6 first (that
// validates the test) and then against ours (./cmd/ocserv with
// ./cmd/ocserv-worker beside it, built by rig.BuildOurs). The environment
// variable OCSERV_E2E_SERVERS narrows that: "real", "ours" or "real,ours"
// (the default). Tests that compare ours with the real ocserv always run the
// real one first, as the reference, and only skip ours.
//
// The test binary doubles as a tiny TCP sender/receiver (TestMain): run in a
// namespace with OCR_TCPHELPER=send|recv it moves bytes and prints their
// SHA-256, so no nc/socat is needed.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

func TestMain(m *testing.M) {
	switch os.Getenv("OCR_TCPHELPER") {
	case "send":
		os.Exit(tcpHelperSend(os.Getenv("OCR_ADDR"), os.Getenv("OCR_BYTES")))
	case "recv":
		os.Exit(tcpHelperRecv(os.Getenv("OCR_ADDR")))
	}
	os.Exit(m.Run())
}

// tcpHelperSend connects to addr (retrying for 10 s while the receiver
// starts), sends n random bytes and prints "sent N SHA256".
func tcpHelperSend(addr, nstr string) int {
	n, err := strconv.ParseInt(nstr, 10, 64)
	if err != nil || n <= 0 {
		fmt.Fprintln(os.Stderr, "tcphelper: bad OCR_BYTES")
		return 2
	}
	var c net.Conn
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err = net.DialTimeout("tcp", addr, 3*time.Second)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			fmt.Fprintln(os.Stderr, "tcphelper: dial:", err)
			return 1
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(90 * time.Second))
	h := sha256.New()
	buf := make([]byte, 64<<10)
	var sent int64
	for sent < n {
		chunk := buf
		if rem := n - sent; rem < int64(len(chunk)) {
			chunk = chunk[:rem]
		}
		if os.Getenv("OCR_TEXT") != "" {
			fillText(chunk, sent) // compressible (compress_test.go)
		} else {
			rand.Read(chunk)
		}
		h.Write(chunk)
		if _, err := c.Write(chunk); err != nil {
			fmt.Fprintln(os.Stderr, "tcphelper: write:", err)
			return 1
		}
		sent += int64(len(chunk))
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	// Wait for the receiver's close so every byte was read.
	io.Copy(io.Discard, c)
	fmt.Printf("sent %d %s\n", sent, hex.EncodeToString(h.Sum(nil)))
	return 0
}

// tcpHelperRecv listens on addr, accepts one connection (within 60 s),
// reads to EOF and prints "recv N SHA256".
func tcpHelperRecv(addr string) int {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcphelper: listen:", err)
		return 1
	}
	fmt.Println("listening")
	l.(*net.TCPListener).SetDeadline(time.Now().Add(60 * time.Second))
	c, err := l.Accept()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcphelper: accept:", err)
		return 1
	}
	l.Close()
	c.SetDeadline(time.Now().Add(90 * time.Second))
	h := sha256.New()
	n, err := io.Copy(h, c)
	c.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, "tcphelper: read:", err)
		return 1
	}
	fmt.Printf("recv %d %s\n", n, hex.EncodeToString(h.Sum(nil)))
	return 0
}

// tcpTransfer sends size bytes from namespace fromNS to a receiver in
// toNS listening on listen (host:port) and reached at dial, and checks
// that the receiver got exactly the bytes sent (count and SHA-256).
func tcpTransfer(t *testing.T, r *rig.Rig, fromNS, toNS, listen, dial string, size int64) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	recv := r.Start(toNS, fmt.Sprintf("tcprecv-%d", time.Now().UnixNano()),
		"env", "OCR_TCPHELPER=recv", "OCR_ADDR="+listen, exe)
	if !rig.WaitFor(10*time.Second, func() bool { return strings.Contains(recv.Log(), "listening") || !recv.Running() }) || !recv.Running() {
		t.Fatalf("tcp receiver did not start: %s", recv.Log())
	}
	start := time.Now()
	out, err := r.ExecTimeout(100*time.Second, fromNS, "env", "OCR_TCPHELPER=send", "OCR_ADDR="+dial,
		"OCR_BYTES="+strconv.FormatInt(size, 10), exe)
	if err != nil {
		t.Fatalf("tcp sender %s -> %s: %v\n%s\nreceiver: %s", fromNS, dial, err, out, recv.Log())
	}
	if !recv.Wait(30 * time.Second) {
		recv.Stop(2 * time.Second)
		t.Fatalf("tcp receiver did not finish: %s", recv.Log())
	}
	el := time.Since(start)
	sent := regexp.MustCompile(`sent (\d+) ([0-9a-f]{64})`).FindStringSubmatch(out)
	got := regexp.MustCompile(`recv (\d+) ([0-9a-f]{64})`).FindStringSubmatch(recv.Log())
	if sent == nil || got == nil {
		t.Fatalf("tcp transfer to %s: sender said %q, receiver said %q", dial, out, recv.Log())
	}
	if sent[1] != strconv.FormatInt(size, 10) || got[1] != sent[1] || got[2] != sent[2] {
		t.Fatalf("tcp transfer to %s: sent %s bytes sha256 %s, received %s bytes sha256 %s", dial, sent[1], sent[2], got[1], got[2])
	}
	t.Logf("tcp %s -> %s: %d bytes in %v, sha256 match", fromNS, dial, size, el.Round(time.Millisecond))
}

// serverKind and the selection helpers are tests/rig's (ServersEnv).
type serverKind = rig.ServerKind

const (
	realServer = rig.RealServer
	ourServer  = rig.OurServer
)

func wantServer(kind serverKind) bool { return rig.WantServer(kind) }

func coreServers() []serverKind { return rig.SelectedServers() }

// serverBinary returns the path of the server for kind (building ours).
func serverBinary(t *testing.T, kind serverKind) string {
	t.Helper()
	if kind == realServer {
		return rig.RealOcserv
	}
	return rig.BuildOurs(t, "ocserv")
}

// startKind starts a server of kind with cfg (debug level 3 so the session
// ends are logged) and returns it.
func startKind(t *testing.T, r *rig.Rig, kind serverKind, cfg *rig.Config) *rig.Server {
	t.Helper()
	return r.StartServer(cfg, rig.ServerOptions{Binary: serverBinary(t, kind), Debug: 3})
}

// procInfo is one process of /proc.
type procInfo struct {
	PID, PPID int
	Comm      string
	UID, GID  int
}

func readProc(pid int) (procInfo, error) {
	p := procInfo{PID: pid}
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return p, err
	}
	p.Comm = strings.TrimSpace(string(comm))
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return p, err
	}
	for _, line := range strings.Split(string(st), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		switch f[0] {
		case "PPid:":
			p.PPID, _ = strconv.Atoi(f[1])
		case "Uid:":
			p.UID, _ = strconv.Atoi(f[1]) // real uid; effective checked equal below
			if len(f) >= 3 && f[2] != f[1] {
				p.UID = -1
			}
		case "Gid:":
			p.GID, _ = strconv.Atoi(f[1])
			if len(f) >= 3 && f[2] != f[1] {
				p.GID = -1
			}
		}
	}
	return p, nil
}

// nsProcs lists the processes inside namespace ns (`ip netns pids`),
// skipping ones that vanish while being read.
func nsProcs(t *testing.T, ns string) []procInfo {
	t.Helper()
	out, err := runCmd(10*time.Second, "ip", "netns", "pids", ns)
	if err != nil {
		t.Fatalf("ip netns pids %s: %v", ns, err)
	}
	var ps []procInfo
	for _, f := range strings.Fields(out) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		if p, err := readProc(pid); err == nil {
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].PID < ps[j].PID })
	return ps
}

// procsByComm filters ps by comm.
func procsByComm(ps []procInfo, comm string) []procInfo {
	var out []procInfo
	for _, p := range ps {
		if p.Comm == comm {
			out = append(out, p)
		}
	}
	return out
}

// workers lists the ocserv-worker processes in the server namespace.
func workers(t *testing.T, r *rig.Rig) []procInfo {
	return procsByComm(nsProcs(t, r.ServerNS), "ocserv-worker")
}

// waitWorkers waits until there are exactly n workers (10 s) and returns
// them; it fails the test otherwise.
func waitWorkers(t *testing.T, r *rig.Rig, n int) []procInfo {
	t.Helper()
	var ws []procInfo
	if !rig.WaitFor(10*time.Second, func() bool { ws = workers(t, r); return len(ws) == n }) {
		t.Fatalf("ocserv-worker processes = %d (%v), want %d", len(ws), ws, n)
	}
	return ws
}

func lookupIDs(t *testing.T, userName, groupName string) (int, int) {
	t.Helper()
	u, err := user.Lookup(userName)
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroup(groupName)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(g.Gid)
	return uid, gid
}

// scriptDumper writes an executable script that saves its environment,
// NUL-separated, to DIR/<REASON>-<USERNAME>-<ID>.env and exits with code.
// It returns the script path and DIR.
func scriptDumper(t *testing.T, r *rig.Rig, name string, code int) (string, string) {
	t.Helper()
	dir := filepath.Join(r.Dir, name+"-env")
	if err := os.MkdirAll(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	path := filepath.Join(r.Dir, name+".sh")
	body := fmt.Sprintf(`#!/bin/sh
f="%s/${REASON}-${USERNAME}-${ID}"
env -0 >"$f.tmp" && mv -f "$f.tmp" "$f.env"
exit %d
`, dir, code)
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

// scriptEnvs reads the env files of a scriptDumper directory whose name
// starts with prefix (e.g. "connect-alice-"), keyed by file name.
func scriptEnvs(dir, prefix string) map[string]map[string]string {
	res := map[string]map[string]string{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if !strings.HasPrefix(e.Name(), prefix) || !strings.HasSuffix(e.Name(), ".env") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		m := map[string]string{}
		for _, kv := range bytes.Split(b, []byte{0}) {
			if k, v, ok := strings.Cut(string(kv), "="); ok {
				m[k] = v
			}
		}
		res[e.Name()] = m
	}
	return res
}

// waitScriptEnv waits up to d for exactly one env file with prefix and
// returns it.
func waitScriptEnv(t *testing.T, dir, prefix string, d time.Duration) map[string]string {
	t.Helper()
	var envs map[string]map[string]string
	if !rig.WaitFor(d, func() bool { envs = scriptEnvs(dir, prefix); return len(envs) >= 1 }) {
		t.Fatalf("no script run %s* in %s within %v", prefix, dir, d)
	}
	if len(envs) != 1 {
		t.Fatalf("script runs %s*: %d, want 1", prefix, len(envs))
	}
	for _, m := range envs {
		return m
	}
	return nil
}

// pingAll pings the server's tunnel address from every client in parallel
// and returns the errors by client index.
func pingAll(r *rig.Rig, cs []*rig.Client) map[int]error {
	var mu sync.Mutex
	errs := map[int]error{}
	var wg sync.WaitGroup
	for i, c := range cs {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func(i int, c *rig.Client) {
			defer wg.Done()
			if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
				mu.Lock()
				errs[i] = err
				mu.Unlock()
			}
		}(i, c)
	}
	wg.Wait()
	return errs
}

// authCookie runs `openconnect --authenticate` and returns the cookie it
// printed ("" if none) with the whole result.
func authCookie(r *rig.Rig, link int, userName, password string) (string, *rig.Result) {
	res := r.ConnectFail(rig.ClientOptions{Link: link, User: userName, Password: password, NoDTLS: true,
		Args: []string{"--authenticate"}})
	m := regexp.MustCompile(`(?m)^COOKIE='([^']*)'`).FindStringSubmatch(res.Output)
	if m == nil {
		return "", res
	}
	return m[1], res
}

// keyLines keeps the lines of openconnect's output that tell how a login
// ended, with the TLS cipher suite masked (ours may pick another curve):
// everything except the lines that only report connecting.
func keyLines(out string) []string {
	var ls []string
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "":
		case strings.HasPrefix(l, "Connected to HTTPS on"), strings.HasPrefix(l, "SSL negotiation with"),
			strings.HasPrefix(l, "Connected to "), strings.HasPrefix(l, "Server certificate verify"):
		default:
			ls = append(ls, l)
		}
	}
	return ls
}

func runCmd(d time.Duration, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, bytes.TrimSpace(out))
	}
	return string(out), nil
}

// tunDevs lists the server namespace's interfaces named after the rig's
// device prefix.
func tunDevs(t *testing.T, r *rig.Rig) []string { return serverTunDevices(t, r) }

// addrSet checks that the clients' addresses are distinct pool addresses
// and returns them by index.
func clientAddrs(t *testing.T, r *rig.Rig, cs []*rig.Client) []netip.Addr {
	t.Helper()
	seen := map[netip.Addr]int{}
	var as []netip.Addr
	for i, c := range cs {
		a := c.IP()
		if !r.PoolNet.Contains(a) || a == r.ServerTunAddr() {
			t.Errorf("client %d address %v not a client address of %v", i, a, r.PoolNet)
		}
		if j, dup := seen[a]; dup {
			t.Errorf("clients %d and %d both got %v", j, i, a)
		}
		seen[a] = i
		as = append(as, a)
	}
	return as
}

// readMemFind scans the readable mappings of pid for any of needles and
// returns a description of the first hit ("" if none).
func readMemFind(pid int, needles map[string][]byte) (string, int64, error) {
	maps, err := os.Open(fmt.Sprintf("/proc/%d/maps", pid))
	if err != nil {
		return "", 0, err
	}
	defer maps.Close()
	mem, err := os.Open(fmt.Sprintf("/proc/%d/mem", pid))
	if err != nil {
		return "", 0, err
	}
	defer mem.Close()
	var scanned int64
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[1][0] != 'r' {
			continue
		}
		if len(f) >= 6 && (f[5] == "[vvar]" || f[5] == "[vsyscall]" || f[5] == "[vvar_vclock]") {
			continue
		}
		lo, hi, ok := strings.Cut(f[0], "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil || end <= start || end-start > 1<<30 {
			continue
		}
		buf := make([]byte, end-start)
		n, _ := mem.ReadAt(buf, int64(start))
		buf = buf[:n]
		scanned += int64(n)
		for name, nd := range needles {
			if bytes.Contains(buf, nd) {
				return fmt.Sprintf("%s in %s", name, sc.Text()), scanned, nil
			}
		}
	}
	return "", scanned, sc.Err()
}
