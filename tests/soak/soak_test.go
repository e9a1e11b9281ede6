//go:build soak

package soak

// TestSoak, per selected server (OCSERV_E2E_SERVERS, real first):
//
//  1. cycles: OCSERV_SOAK_CYCLES openconnect connect / ping / disconnect
//     cycles, OCSERV_SOAK_PARALLEL at a time, every other one with DTLS;
//  2. sessions: OCSERV_SOAK_SESSIONS concurrent openconnect sessions kept
//     up for OCSERV_SOAK_DURATION while every session pings the server
//     through its own tunnel in rounds;
//
// sampling main's and sec-mod's VmRSS, fds and threads and the number of
// workers and tun devices every OCSERV_SOAK_SAMPLE. After each phase every
// session must be gone from occtl, every tun device and worker gone, and
// main's and sec-mod's fds and threads back near the baseline; at the end
// the first users get their first addresses back (predictable-ips: no
// lease leaked). Results go
// to OCSERV_SOAK_OUT (CSV per server and summary.md).

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// params are the soak's knobs (environment, defaults in brackets).
type params struct {
	Cycles   int           // OCSERV_SOAK_CYCLES [1000]
	Sessions int           // OCSERV_SOAK_SESSIONS [200]
	Parallel int           // OCSERV_SOAK_PARALLEL [8]
	Duration time.Duration // OCSERV_SOAK_DURATION [10m]
	Sample   time.Duration // OCSERV_SOAK_SAMPLE [10s]
	Out      string        // OCSERV_SOAK_OUT [build/soak under the module root]
}

func envInt(t *testing.T, k string, def int) int {
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		t.Fatalf("%s=%q: want a positive integer", k, v)
	}
	return n
}

func envDur(t *testing.T, k string, def time.Duration) time.Duration {
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		t.Fatalf("%s=%q: want a positive duration", k, v)
	}
	return d
}

func loadParams(t *testing.T) params {
	p := params{
		Cycles:   envInt(t, "OCSERV_SOAK_CYCLES", 1000),
		Sessions: envInt(t, "OCSERV_SOAK_SESSIONS", 200),
		Parallel: envInt(t, "OCSERV_SOAK_PARALLEL", 8),
		Duration: envDur(t, "OCSERV_SOAK_DURATION", 10*time.Minute),
		Sample:   envDur(t, "OCSERV_SOAK_SAMPLE", 10*time.Second),
		Out:      os.Getenv("OCSERV_SOAK_OUT"),
	}
	if p.Sessions > 240 {
		t.Fatalf("OCSERV_SOAK_SESSIONS=%d: the rig's /24 pool holds at most 240 sessions beside the cycles", p.Sessions)
	}
	if p.Parallel > 40 {
		t.Fatalf("OCSERV_SOAK_PARALLEL=%d: at most 40", p.Parallel)
	}
	if p.Out == "" {
		root, err := rig.RepoRoot()
		if err != nil {
			t.Fatal(err)
		}
		p.Out = filepath.Join(root, "build", "soak")
	}
	return p
}

// links is the number of client namespaces: one per parallel cycler and
// at most 5 sessions per namespace (rig limit 99).
func (p params) links() int {
	n := (p.Sessions + 4) / 5
	if n < p.Parallel {
		n = p.Parallel
	}
	if n > 99 {
		n = 99
	}
	return n
}

func TestSoak(t *testing.T) {
	if os.Getenv("OCSERV_SOAK") != "1" {
		t.Skip("soak: set OCSERV_SOAK=1 (make soak)")
	}
	if os.Geteuid() != 0 {
		t.Fatal("soak: needs root (creates network namespaces)")
	}
	rig.RequireProgram(t, "ip", "ping", "openconnect", "occtl", rig.RealOcserv)
	p := loadParams(t)
	if err := os.MkdirAll(p.Out, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("soak: %+v", p)
	var summaries []string
	for _, kind := range []string{"real", "ours"} {
		if !wantServer(kind) {
			continue
		}
		t.Run(kind, func(t *testing.T) {
			s := soakOne(t, kind, p)
			summaries = append(summaries, s)
		})
	}
	sum := summaryHeader(p) + strings.Join(summaries, "")
	if err := os.WriteFile(filepath.Join(p.Out, "summary.md"), []byte(sum), 0o644); err != nil {
		t.Error(err)
	}
	t.Logf("summary:\n%s", sum)
}

func wantServer(kind string) bool {
	v := os.Getenv("OCSERV_E2E_SERVERS")
	if v == "" {
		return true
	}
	for _, f := range strings.Split(v, ",") {
		if strings.TrimSpace(f) == kind {
			return true
		}
	}
	return false
}

// soaker is one server's soak run.
type soaker struct {
	t    *testing.T
	r    *rig.Rig
	srv  *rig.Server
	p    params
	kind string

	mu      sync.Mutex
	phase   string
	samples []sample
	firstIP map[int]string // cycler g's address in its first cycle
}

func soakOne(t *testing.T, kind string, p params) string {
	r := rig.New(t, rig.Options{Clients: p.links()})
	users := p.Sessions
	if users < p.Parallel {
		users = p.Parallel
	}
	for i := 0; i < users; i++ {
		r.AddUser(fmt.Sprintf("u%d", i), "secret")
	}
	bin := rig.RealOcserv
	if kind == "ours" {
		bin = rig.BuildOurs(t, "ocserv")
	}
	cfg := r.NewConfig().Set("max-clients", strconv.Itoa(p.Sessions+p.Parallel+16))
	s := &soaker{t: t, r: r, p: p, kind: kind, phase: "start", firstIP: map[int]string{}}
	s.srv = r.StartServer(cfg, rig.ServerOptions{Binary: bin, Debug: 1})
	stop := s.startSampling()
	base := s.sampleNow("baseline")

	cyc := s.cycles()
	afterCycles := s.settle("after-cycles")
	sess := s.sessions()
	end := s.settle("end")
	s.checkLeases()
	stop()
	s.writeCSV()

	s.checkBack(base, afterCycles)
	s.checkBack(base, end)
	if lim := p.Cycles / 100; cyc.fail > lim {
		t.Errorf("cycles: %d of %d failed (limit 1%%)", cyc.fail, cyc.ok+cyc.fail)
	}
	if sess.up < p.Sessions {
		t.Errorf("sessions: only %d of %d came up", sess.up, p.Sessions)
	}
	if lim := (sess.pingOK + sess.pingFail) / 100; sess.pingFail > lim {
		t.Errorf("sessions: %d of %d pings failed (limit 1%%)", sess.pingFail, sess.pingOK+sess.pingFail)
	}
	if !s.srv.Running() {
		t.Errorf("the server exited during the soak:\n%s", s.srv.Log())
	}
	return s.summaryRow(cyc, sess, base, end)
}

// ---- sampling ----------------------------------------------------------

// procSample is one process's resources.
type procSample struct {
	PID          int
	RSSkB        int64
	FDs, Threads int
}

// sample is one point of the time series.
type sample struct {
	At            time.Duration
	Phase         string
	Main, Secmod  procSample
	Workers, Tuns int
}

func (s *soaker) startSampling() func() {
	start := time.Now()
	done := make(chan struct{})
	fin := make(chan struct{})
	go func() {
		defer close(fin)
		for {
			select {
			case <-done:
				return
			case <-time.After(s.p.Sample):
			}
			sm := s.measure()
			sm.At = time.Since(start).Round(time.Second)
			s.mu.Lock()
			sm.Phase = s.phase
			s.samples = append(s.samples, sm)
			s.mu.Unlock()
		}
	}()
	return func() { close(done); <-fin }
}

func (s *soaker) sampleNow(phase string) sample {
	s.mu.Lock()
	s.phase = phase
	s.mu.Unlock()
	sm := s.measure()
	sm.Phase = phase
	s.mu.Lock()
	s.samples = append(s.samples, sm)
	s.mu.Unlock()
	return sm
}

func (s *soaker) setPhase(ph string) { s.mu.Lock(); s.phase = ph; s.mu.Unlock() }

// measure reads main, sec-mod, the workers and the tun devices.
func (s *soaker) measure() sample {
	var sm sample
	out, _ := exec.Command("ip", "netns", "pids", s.r.ServerNS).Output()
	for _, f := range strings.Fields(string(out)) {
		pid, _ := strconv.Atoi(f)
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		switch strings.TrimSpace(string(comm)) {
		case "ocserv-main":
			sm.Main = readProc(pid)
		case "ocserv-sm":
			sm.Secmod = readProc(pid)
		case "ocserv-worker":
			sm.Workers++
		}
	}
	sm.Tuns = len(s.tuns())
	return sm
}

func readProc(pid int) procSample {
	ps := procSample{PID: pid}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(line, ":")
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmRSS":
			ps.RSSkB = n
		case "Threads":
			ps.Threads = int(n)
		}
	}
	if ents, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid)); err == nil {
		ps.FDs = len(ents)
	}
	return ps
}

func (s *soaker) tuns() []string {
	ifs, _ := s.r.Interfaces(s.r.ServerNS)
	var out []string
	for _, i := range ifs {
		if strings.HasPrefix(i, s.r.Device()) {
			out = append(out, i)
		}
	}
	return out
}

func (s *soaker) writeCSV() {
	var b strings.Builder
	b.WriteString("seconds,phase,main_rss_kb,main_fds,main_threads,secmod_rss_kb,secmod_fds,secmod_threads,workers,tuns\n")
	s.mu.Lock()
	for _, x := range s.samples {
		fmt.Fprintf(&b, "%d,%s,%d,%d,%d,%d,%d,%d,%d,%d\n", int(x.At.Seconds()), x.Phase,
			x.Main.RSSkB, x.Main.FDs, x.Main.Threads, x.Secmod.RSSkB, x.Secmod.FDs, x.Secmod.Threads, x.Workers, x.Tuns)
	}
	s.mu.Unlock()
	path := filepath.Join(s.p.Out, s.kind+".csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		s.t.Error(err)
	}
	s.t.Logf("time series: %s", path)
}

// ---- phases ------------------------------------------------------------

type cycleResult struct{ ok, fail int }

// cycles runs the connect/ping/disconnect cycles; cycler g uses link g and
// user u<g>, so one namespace never holds two of its tunnels.
func (s *soaker) cycles() cycleResult {
	s.setPhase("cycles")
	var next, ok, fail atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < s.p.Parallel; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(s.p.Cycles) {
					return
				}
				if err := s.cycle(g, int(n)); err != nil {
					fail.Add(1)
					s.t.Logf("cycle %d (u%d): %v", n, g, err)
				} else {
					ok.Add(1)
				}
				if n%100 == 0 {
					s.t.Logf("cycles: %d done", n)
				}
			}
		}(g)
	}
	wg.Wait()
	return cycleResult{int(ok.Load()), int(fail.Load())}
}

func (s *soaker) cycle(g, n int) error {
	c := s.r.StartClient(rig.ClientOptions{Link: g, User: fmt.Sprintf("u%d", g), Password: "secret", NoDTLS: n%2 == 0})
	defer func() {
		c.Disconnect()
		c.WaitExit(10 * time.Second)
	}()
	if err := c.WaitUp(30 * time.Second); err != nil {
		return err
	}
	s.mu.Lock()
	if _, ok := s.firstIP[g]; !ok {
		s.firstIP[g] = c.IP().String()
	}
	s.mu.Unlock()
	return c.Ping(s.r.ServerTunAddr(), 1)
}

// checkLeases reconnects the first cyclers' users once everything has
// settled: with predictable-ips each must get the address of its first
// cycle again, which is only free if no lease of it leaked.
func (s *soaker) checkLeases() {
	for g := 0; g < 3 && g < s.p.Parallel; g++ {
		want := s.firstIP[g]
		c := s.r.StartClient(rig.ClientOptions{Link: g, User: fmt.Sprintf("u%d", g), Password: "secret", NoDTLS: true})
		if err := c.WaitUp(30 * time.Second); err != nil {
			s.t.Errorf("lease check, u%d: %v", g, err)
		} else if got := c.IP().String(); got != want {
			s.t.Errorf("lease check, u%d: got %s after the soak, %s in its first cycle (a lease was not given back)", g, got, want)
		}
		c.Disconnect()
		c.WaitExit(10 * time.Second)
	}
}

type sessionResult struct{ up, pingOK, pingFail, rounds int }

// sessionClient is one of the concurrent sessions, with a routing table
// of its own in its namespace so its pings leave through its tunnel.
type sessionClient struct {
	c  *rig.Client
	ip string
}

func (s *soaker) sessions() sessionResult {
	s.setPhase("sessions-up")
	var res sessionResult
	cs := make([]*sessionClient, s.p.Sessions)
	sem := make(chan struct{}, s.p.Parallel)
	var wg sync.WaitGroup
	for i := range cs {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			cs[i] = s.startSession(i)
		}(i)
	}
	wg.Wait()
	for _, c := range cs {
		if c != nil {
			res.up++
		}
	}
	s.t.Logf("sessions: %d of %d up", res.up, s.p.Sessions)
	s.setPhase("sessions-traffic")
	end := time.Now().Add(s.p.Duration)
	var ok, fail atomic.Int64
	for time.Now().Before(end) {
		res.rounds++
		for i, c := range cs {
			if c == nil {
				continue
			}
			wg.Add(1)
			sem <- struct{}{}
			go func(i int, c *sessionClient) {
				defer wg.Done()
				defer func() { <-sem }()
				_, err := s.r.ExecTimeout(10*time.Second, c.c.NS, "ping", "-c", "2", "-i", "0.2", "-W", "2", "-s", "512", "-I", c.ip, s.r.ServerTunAddr().String())
				if err != nil {
					fail.Add(1)
				} else {
					ok.Add(1)
				}
			}(i, c)
		}
		wg.Wait()
	}
	res.pingOK, res.pingFail = int(ok.Load()), int(fail.Load())
	s.setPhase("sessions-down")
	for _, c := range cs {
		if c == nil {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func(c *sessionClient) {
			defer wg.Done()
			defer func() { <-sem }()
			c.c.Disconnect()
		}(c)
	}
	wg.Wait()
	return res
}

// startSession brings session i up (user u<i>, link i mod links) and
// routes traffic from its address through its tun device (table 1000+i).
func (s *soaker) startSession(i int) *sessionClient {
	link := i % s.p.links()
	c := s.r.StartClient(rig.ClientOptions{Link: link, User: fmt.Sprintf("u%d", i), Password: "secret", NoDTLS: i%2 == 0})
	if err := c.WaitUp(60 * time.Second); err != nil {
		s.t.Logf("session %d: %v", i, err)
		return nil
	}
	ip, dev := c.IP().String(), c.TunDev()
	table := strconv.Itoa(1000 + i)
	if _, err := s.r.Exec(c.NS, "ip", "route", "replace", "default", "dev", dev, "table", table); err != nil {
		s.t.Logf("session %d: %v", i, err)
		return nil
	}
	if _, err := s.r.Exec(c.NS, "ip", "rule", "add", "from", ip+"/32", "table", table); err != nil {
		s.t.Logf("session %d: %v", i, err)
		return nil
	}
	return &sessionClient{c: c, ip: ip}
}

var soakUserRE = regexp.MustCompile(`\bu\d+\b`)

// settle waits until no worker, tun device or occtl user is left (30 s)
// and takes a sample named phase.
func (s *soaker) settle(phase string) sample {
	s.setPhase(phase)
	var sm sample
	ok := rig.WaitFor(30*time.Second, func() bool {
		sm = s.measure()
		if sm.Workers != 0 || sm.Tuns != 0 {
			return false
		}
		out, err := s.srv.Occtl("", "show", "users")
		return err == nil && !soakUserRE.MatchString(out)
	})
	if !ok {
		out, _ := s.srv.Occtl("", "show", "users")
		s.t.Errorf("%s: %d workers, tun devices %v left 30 s after the last disconnect; occtl show users:\n%s", phase, sm.Workers, s.tuns(), out)
	}
	if st, err := s.srv.Occtl("", "show", "status"); err == nil {
		for _, l := range strings.Split(st, "\n") {
			if strings.Contains(l, "Active sessions") {
				s.t.Logf("%s: %s", phase, strings.TrimSpace(l))
			}
		}
	}
	return s.sampleNow(phase)
}

// checkBack compares a settled sample with the baseline: main's and
// sec-mod's fds back within 4, threads within 8 (Go may keep a few idle
// runtime threads), and the same PIDs (nothing restarted).
func (s *soaker) checkBack(base, now sample) {
	for _, x := range []struct {
		name string
		b, n procSample
	}{{"main", base.Main, now.Main}, {"sec-mod", base.Secmod, now.Secmod}} {
		if x.n.PID != x.b.PID {
			s.t.Errorf("%s at %s: PID %d, at the baseline %d", x.name, now.Phase, x.n.PID, x.b.PID)
		}
		if x.n.FDs > x.b.FDs+4 {
			s.t.Errorf("%s at %s: %d fds, baseline %d (leak)", x.name, now.Phase, x.n.FDs, x.b.FDs)
		}
		if x.n.Threads > x.b.Threads+8 {
			s.t.Errorf("%s at %s: %d threads, baseline %d", x.name, now.Phase, x.n.Threads, x.b.Threads)
		}
	}
}

// ---- summary -------------------------------------------------------------

func summaryHeader(p params) string {
	return fmt.Sprintf("Soak: %d cycles (%d parallel), %d sessions for %v, sample every %v, %s.\n\n"+
		"| server | cycles ok/failed | sessions up | ping rounds | pings ok/failed | main RSS kB base/peak/end | main fds base/peak/end | main threads base/peak/end | sec-mod RSS kB base/peak/end | sec-mod fds base/peak/end | sec-mod threads base/peak/end | left: workers/tuns |\n"+
		"| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
		p.Cycles, p.Parallel, p.Sessions, p.Duration, p.Sample, time.Now().UTC().Format("2006-01-02"))
}

func (s *soaker) summaryRow(cyc cycleResult, sess sessionResult, base, end sample) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	peak := func(get func(sample) int64) int64 {
		var xs []int64
		for _, x := range s.samples {
			xs = append(xs, get(x))
		}
		sort.Slice(xs, func(i, j int) bool { return xs[i] > xs[j] })
		if len(xs) == 0 {
			return 0
		}
		return xs[0]
	}
	col := func(get func(sample) int64) string {
		return fmt.Sprintf("%d/%d/%d", get(base), peak(get), get(end))
	}
	return fmt.Sprintf("| %s | %d/%d | %d/%d | %d | %d/%d | %s | %s | %s | %s | %s | %s | %d/%d |\n",
		s.kind, cyc.ok, cyc.fail, sess.up, s.p.Sessions, sess.rounds, sess.pingOK, sess.pingFail,
		col(func(x sample) int64 { return x.Main.RSSkB }),
		col(func(x sample) int64 { return int64(x.Main.FDs) }),
		col(func(x sample) int64 { return int64(x.Main.Threads) }),
		col(func(x sample) int64 { return x.Secmod.RSSkB }),
		col(func(x sample) int64 { return int64(x.Secmod.FDs) }),
		col(func(x sample) int64 { return int64(x.Secmod.Threads) }),
		end.Workers, end.Tuns)
}
