package hostile

// A client that stops reading while traffic flows toward it (issue 9): the
// openconnect process is SIGSTOPped, a bounded UDP flood from the server
// namespace toward its VPN address fills the worker's TCP send queue, and
// then the session is ended by `occtl disconnect`, by SIGTERM to the
// worker, or by DPD. Ours must drop the worker within 10 s in every case.
// ocserv 1.1.6 blocks in its write to the client and ignores all three
// until main's SIGKILL; its result is only logged.
//
// The file also holds TestHostileStoppedMTUHeaders (absurd client MTU
// headers in a raw CONNECT, the other data-path finding of the same fix).
//
// Self-contained: every helper here carries the "stopped" prefix.

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/tests/rig"
)

const (
	stoppedPassword = "alice-Pass-1"
	// stoppedBound is how long a worker may survive the request (or the
	// DPD deadline) once its client stopped reading.
	stoppedBound = 10 * time.Second
	stoppedDPD   = 2 // seconds
)

// stoppedKinds lists the servers selected by OCSERV_E2E_SERVERS (the real
// ocserv first), as tests/e2e does.
func stoppedKinds() []string {
	v := os.Getenv("OCSERV_E2E_SERVERS")
	var out []string
	for _, k := range []string{"real", "ours"} {
		if v == "" || strings.Contains(","+strings.ReplaceAll(v, " ", "")+",", ","+k+",") {
			out = append(out, k)
		}
	}
	return out
}

// stoppedWorkers returns the PIDs of the ocserv-worker processes in the
// server namespace.
func stoppedWorkers(t *testing.T, r *rig.Rig) []int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pids, err := exec.CommandContext(ctx, "ip", "netns", "pids", r.ServerNS).Output()
	if err != nil {
		t.Fatalf("ip netns pids %s: %v", r.ServerNS, err)
	}
	var ws []int
	for _, f := range strings.Fields(string(pids)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err == nil && strings.TrimSpace(string(comm)) == "ocserv-worker" {
			ws = append(ws, pid)
		}
	}
	return ws
}

// stoppedAlive reports whether pid still exists and is not a zombie.
func stoppedAlive(pid int) bool {
	st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	s := string(st)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && len(s) > i+2 {
		return s[i+2] != 'Z'
	}
	return true
}

// stoppedSendQ returns the Send-Q of the server's established TCP
// connections on port (ss in the server namespace).
func stoppedSendQ(r *rig.Rig, port int) int {
	out, err := r.ExecTimeout(5*time.Second, r.ServerNS, "ss", "-Htn", "state", "established", fmt.Sprintf("( sport = :%d )", port))
	if err != nil {
		return 0
	}
	total := 0
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 {
			n, _ := strconv.Atoi(f[1]) // Recv-Q Send-Q Local Peer
			total += n
		}
	}
	return total
}

// stoppedFlood sends UDP datagrams of 1400 bytes from inside the server
// namespace to dst (the client's VPN address, routed into the tunnel) at
// most 20,000 a second (2,000 once slow is set), until stop is closed or
// 25 s have passed.
func stoppedFlood(ns string, dst netip.Addr, slow *atomic.Bool, stop <-chan struct{}) (<-chan int, error) {
	ready := make(chan error, 1)
	sent := make(chan int, 1)
	go func() {
		// The thread enters the namespace and dies with the goroutine
		// (no UnlockOSThread), so no other goroutine ever runs in it.
		runtime.LockOSThread()
		f, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			ready <- err
			return
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			ready <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 9)))
		if err != nil {
			ready <- err
			return
		}
		defer c.Close()
		ready <- nil
		pkt := make([]byte, 1400)
		n := 0
		end := time.Now().Add(25 * time.Second)
		for time.Now().Before(end) && n < 500000 {
			select {
			case <-stop:
				sent <- n
				return
			default:
			}
			burst := 20
			if slow.Load() {
				burst = 2
			}
			for i := 0; i < burst; i++ {
				_, _ = c.Write(pkt) // a full tun queue drops; errors are expected
				n++
			}
			time.Sleep(time.Millisecond)
		}
		sent <- n
	}()
	return sent, <-ready
}

// stoppedStall stops the client, floods toward it and waits until the
// server's Send-Q is stuck (non-zero and unchanged for 1.5 s; the test
// fails after 20 s without); the flood then goes on at a tenth of the
// rate. It returns the function that ends the flood.
func stoppedStall(t *testing.T, r *rig.Rig, srv *rig.Server, c *rig.Client) func() {
	t.Helper()
	if err := syscall.Kill(c.PID(), syscall.SIGSTOP); err != nil {
		t.Fatalf("SIGSTOP openconnect: %v", err)
	}
	t.Cleanup(func() { _ = syscall.Kill(c.PID(), syscall.SIGCONT) })
	stop := make(chan struct{})
	var slow atomic.Bool
	sent, err := stoppedFlood(r.ServerNS, c.IP(), &slow, stop)
	if err != nil {
		t.Fatalf("flood: %v", err)
	}
	stopped := false
	end := func() {
		if !stopped {
			stopped = true
			close(stop)
			t.Logf("flood: %d datagrams", <-sent)
		}
	}
	t.Cleanup(end)
	last, same := -1, 0
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		time.Sleep(500 * time.Millisecond)
		q := stoppedSendQ(r, srv.Port)
		if q > 0 && q == last {
			if same++; same >= 3 {
				t.Logf("server Send-Q stuck at %d bytes", q)
				slow.Store(true) // keep the pressure on, at a lower cost
				return end
			}
		} else {
			same = 0
		}
		last = q
	}
	t.Fatalf("the server's Send-Q never got stuck (last %d)", last)
	return end
}

// stoppedGone waits up to d for pid to exit.
func stoppedGone(pid int, d time.Duration) bool {
	return rig.WaitFor(d, func() bool { return !stoppedAlive(pid) })
}

func stoppedServer(t *testing.T, kind string) string {
	if kind == "real" {
		return rig.RealOcserv
	}
	return rig.BuildOurs(t, "ocserv")
}

// TestHostileStoppedClient: stopped client under a downstream flood, then
// occtl disconnect / SIGTERM to the worker / DPD → the worker is gone
// within 10 s (ours); the real ocserv's outcome is logged.
func TestHostileStoppedClient(t *testing.T) {
	rig.RequireRoot(t)
	rig.RequireProgram(t, "ss", "occtl", rig.Openconnect)
	cases := []struct {
		name   string
		action func(t *testing.T, srv *rig.Server, worker int) error
		wait   time.Duration // extra time the trigger itself needs
	}{
		{"occtl-disconnect", func(t *testing.T, srv *rig.Server, _ int) error {
			_, err := srv.Occtl("", "disconnect", "user", "alice")
			return err
		}, 0},
		{"sigterm", func(t *testing.T, _ *rig.Server, w int) error { return syscall.Kill(w, syscall.SIGTERM) }, 0},
		{"dpd", nil, 3*stoppedDPD*time.Second + 2*time.Second},
	}
	for _, kind := range stoppedKinds() {
		t.Run(kind, func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", stoppedPassword)
			cfg := r.NewConfig().Set("dpd", strconv.Itoa(stoppedDPD)).Set("mobile-dpd", strconv.Itoa(stoppedDPD))
			srv := r.StartServer(cfg, rig.ServerOptions{Binary: stoppedServer(t, kind), Debug: 3})
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					c := r.Connect(rig.ClientOptions{User: "alice", Password: stoppedPassword, NoDTLS: true})
					defer func() {
						_ = syscall.Kill(c.PID(), syscall.SIGCONT)
						_ = c.Disconnect()
					}()
					ws := stoppedWorkers(t, r)
					if len(ws) != 1 {
						t.Fatalf("ocserv-worker processes %v, want 1", ws)
					}
					endFlood := stoppedStall(t, r, srv, c)
					if tc.action != nil {
						if err := tc.action(t, srv, ws[0]); err != nil {
							t.Fatalf("%s: %v", tc.name, err)
						}
					}
					gone := stoppedGone(ws[0], stoppedBound+tc.wait)
					endFlood()
					if !srv.Running() {
						t.Fatalf("server exited\n%s", srv.Log())
					}
					if kind == "real" {
						t.Logf("ocserv 1.1.6, %s with a stopped client: worker gone within %v: %v (known vulnerable)",
							tc.name, stoppedBound+tc.wait, gone)
						// Free the pinned worker before the next case.
						_ = syscall.Kill(c.PID(), syscall.SIGKILL)
						stoppedGone(ws[0], 30*time.Second)
						return
					}
					if !gone {
						t.Fatalf("%s: worker %d still running %v later, pinned by a client that does not read",
							tc.name, ws[0], stoppedBound+tc.wait)
					}
				})
			}
		})
	}
}

// stoppedDial opens a TCP connection to addr from inside namespace ns (a
// locked thread enters it and dies with its goroutine).
func stoppedDial(ns, addr string) (net.Conn, error) {
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		runtime.LockOSThread()
		f, err := os.Open("/var/run/netns/" + ns)
		if err != nil {
			ch <- res{nil, err}
			return
		}
		err = unix.Setns(int(f.Fd()), unix.CLONE_NEWNET)
		f.Close()
		if err != nil {
			ch <- res{nil, fmt.Errorf("setns %s: %w", ns, err)}
			return
		}
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		ch <- res{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

// stoppedRawConnect logs in with `openconnect --authenticate` and sends
// CONNECT with the given MTU headers over a raw TLS connection from the
// client namespace; it returns the status line and the response headers.
func stoppedRawConnect(t *testing.T, r *rig.Rig, mtuHeaders string) (string, map[string]string) {
	t.Helper()
	res := r.ConnectFail(rig.ClientOptions{User: "alice", Password: stoppedPassword, NoDTLS: true, Args: []string{"--authenticate"}})
	m := regexp.MustCompile(`(?m)^COOKIE='([^']*)'`).FindStringSubmatch(res.Output)
	if m == nil {
		t.Fatalf("openconnect --authenticate printed no cookie:\n%s", res.Output)
	}
	// openconnect 9 prints the whole cookie string
	// ("openconnect_strapkey=...; webvpn=..."); older ones the value.
	cookie := m[1]
	if !strings.Contains(cookie, "webvpn=") {
		cookie = "webvpn=" + cookie
	}
	l := r.Link(0)
	nc, err := stoppedDial(l.NS, net.JoinHostPort(l.ServerAddr.String(), "443"))
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := tls.Client(nc, &tls.Config{InsecureSkipVerify: true}) // test server, pinned nowhere
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	req := "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: " + l.ServerAddr.String() + "\r\n" +
		"User-Agent: Open AnyConnect VPN Agent v9.12\r\nCookie: " + cookie + "\r\n" +
		"X-CSTP-Version: 1\r\nX-CSTP-Hostname: hostile\r\n" + mtuHeaders +
		"X-CSTP-Address-Type: IPv4\r\nX-DTLS-CipherSuite: PSK-NEGOTIATE\r\n\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatalf("CONNECT: %v", err)
	}
	br := bufio.NewReader(io.LimitReader(c, 64<<10))
	status, err := br.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the CONNECT response: %v", err)
	}
	hdr := map[string]string{}
	for {
		line, err := br.ReadString('\n')
		line = strings.TrimRight(line, "\r\n")
		if err != nil || line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			hdr[strings.ToLower(k)] = strings.TrimSpace(v)
		}
	}
	return strings.TrimRight(status, "\r\n"), hdr
}

// TestHostileStoppedMTUHeaders: a raw CONNECT with absurd X-CSTP-Base-MTU
// / X-CSTP-MTU values. Ours never advertises an MTU below 68 or above the
// link MTU (it refuses the tunnel instead); the real ocserv's answers are
// logged (1.1.6 answers Base-MTU 1 with X-CSTP-MTU 4294967269).
func TestHostileStoppedMTUHeaders(t *testing.T) {
	rig.RequireRoot(t)
	rig.RequireProgram(t, rig.Openconnect)
	cases := []struct{ name, hdr string }{
		{"normal", "X-CSTP-Base-MTU: 1500\r\nX-CSTP-MTU: 1406\r\n"},
		{"base-1", "X-CSTP-Base-MTU: 1\r\nX-CSTP-MTU: 1\r\n"},
		{"base-95", "X-CSTP-Base-MTU: 95\r\n"},
		{"base-negative", "X-CSTP-Base-MTU: -1\r\nX-CSTP-MTU: -1\r\n"},
		{"mtu-int64-max", "X-CSTP-MTU: 9223372036854775807\r\n"},
		{"base-huge", "X-CSTP-Base-MTU: 99999999999999999999\r\n"},
	}
	for _, kind := range stoppedKinds() {
		t.Run(kind, func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", stoppedPassword)
			srv := r.StartServer(r.NewConfig().Set("mtu", "1500"), rig.ServerOptions{Binary: stoppedServer(t, kind), Debug: 3})
			for _, tc := range cases {
				status, hdr := stoppedRawConnect(t, r, tc.hdr)
				t.Logf("%s %s: %s X-CSTP-Base-MTU=%q X-CSTP-MTU=%q X-DTLS-MTU=%q X-Reason=%q", kind, tc.name, status,
					hdr["x-cstp-base-mtu"], hdr["x-cstp-mtu"], hdr["x-dtls-mtu"], hdr["x-reason"])
				if tc.name == "normal" && !strings.Contains(status, " 200 ") {
					t.Fatalf("a normal CONNECT got %q\n%s", status, srv.Log())
				}
				if kind == "real" || !strings.Contains(status, " 200 ") {
					continue
				}
				for _, h := range []string{"x-cstp-base-mtu", "x-cstp-mtu", "x-dtls-mtu"} {
					v, ok := hdr[h]
					if !ok {
						continue
					}
					if n, err := strconv.Atoi(v); err != nil || n < 68 || n > 1500 {
						t.Errorf("ours, %s: advertised %s: %q (want 68..1500 or a refused CONNECT)", tc.name, h, v)
					}
				}
			}
			if !srv.Running() {
				t.Fatalf("server exited\n%s", srv.Log())
			}
		})
	}
}
