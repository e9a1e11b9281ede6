package hostile

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// The test binary doubles as the connection flooder of
// TestHostileMainThreads: run in a client namespace with
// OCR_MAINTHREADS_FLOOD=ADDR, OCR_MAINTHREADS_N and OCR_MAINTHREADS_HOLD it
// opens N TCP connections to ADDR (each makes the server start a worker),
// holds them silent for HOLD seconds, closes them and prints "opened N".
// It runs from init so that it needs no TestMain.
func init() {
	addr := os.Getenv("OCR_MAINTHREADS_FLOOD")
	if addr == "" {
		return
	}
	n, _ := strconv.Atoi(os.Getenv("OCR_MAINTHREADS_N"))
	hold, _ := strconv.Atoi(os.Getenv("OCR_MAINTHREADS_HOLD"))
	os.Exit(mainThreadsFlood(addr, min(n, 1000), time.Duration(min(hold, 60))*time.Second))
}

func mainThreadsFlood(addr string, n int, hold time.Duration) int {
	var conns []net.Conn
	deadline := time.Now().Add(60 * time.Second)
	for len(conns) < n && time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			fmt.Fprintf(os.Stderr, "dial %d: %v\n", len(conns), err)
			time.Sleep(50 * time.Millisecond)
			continue
		}
		conns = append(conns, c)
	}
	fmt.Printf("opened %d\n", len(conns))
	time.Sleep(hold)
	for _, c := range conns {
		c.Close()
	}
	if len(conns) < n {
		return 1
	}
	return 0
}

// mainThreadsStatus reads the Threads: line of /proc/PID/status.
func mainThreadsStatus(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			return strconv.Atoi(strings.TrimSpace(v))
		}
	}
	return 0, fmt.Errorf("no Threads: in /proc/%d/status", pid)
}

// mainThreadsWorkers counts the live children of pid named ocserv-worker.
func mainThreadsWorkers(pid int) int {
	ents, _ := os.ReadDir("/proc")
	n := 0
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) > 1 && s[open+1:end] == "ocserv-worker" && f[0] != "Z" && f[1] == strconv.Itoa(pid) {
			n++
		}
	}
	return n
}

// mainThreadsServers lists the servers OCSERV_E2E_SERVERS selects (real
// first).
func mainThreadsServers() []string {
	v := os.Getenv("OCSERV_E2E_SERVERS")
	var out []string
	for _, k := range []string{"real", "ours"} {
		if v == "" || strings.Contains(","+strings.ReplaceAll(v, " ", "")+",", ","+k+",") {
			out = append(out, k)
		}
	}
	return out
}

// TestHostileMainThreads (issue 9): 300 silent TCP connections, each of
// which makes main start a worker, must not grow main's thread count:
// it stays within 2×GOMAXPROCS + 8 while the workers live and after they
// are gone (a Cmd.Wait per worker gave 310 threads that never went away).
// The real ocserv's main is single-threaded; ours must do at least as well
// as that bound. Every worker must be gone at the end.
func TestHostileMainThreads(t *testing.T) {
	const conns, hold = 300, 8
	for _, kind := range mainThreadsServers() {
		t.Run(kind, func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			bin := rig.RealOcserv
			if kind == "ours" {
				bin = rig.BuildOurs(t, "ocserv")
			}
			cfg := r.NewConfig().Set("max-clients", "1000").Set("auth-timeout", "10").Set("udp-port")
			srv := r.StartServer(cfg, rig.ServerOptions{Binary: bin})
			pid := srv.PID()
			before, err := mainThreadsStatus(pid)
			if err != nil {
				t.Fatal(err)
			}
			self, err := os.Executable()
			if err != nil {
				t.Fatal(err)
			}
			flood := r.Start(r.Link(0).NS, "mainthreads-flood", "env",
				"OCR_MAINTHREADS_FLOOD="+net.JoinHostPort(r.Link(0).ServerAddr.String(), "443"),
				fmt.Sprintf("OCR_MAINTHREADS_N=%d", conns), fmt.Sprintf("OCR_MAINTHREADS_HOLD=%d", hold), self)
			peak, peakWorkers := before, 0
			sample := func() {
				if n, err := mainThreadsStatus(pid); err == nil && n > peak {
					peak = n
				}
				if n := mainThreadsWorkers(pid); n > peakWorkers {
					peakWorkers = n
				}
			}
			for flood.Running() {
				sample()
				time.Sleep(200 * time.Millisecond)
			}
			if !strings.Contains(flood.Log(), fmt.Sprintf("opened %d", conns)) {
				t.Fatalf("the flooder did not open %d connections:\n%s", conns, flood.Log())
			}
			if !rig.WaitFor(60*time.Second, func() bool { sample(); return mainThreadsWorkers(pid) == 0 }) {
				t.Fatalf("%d workers still alive 60 s after the connections closed", mainThreadsWorkers(pid))
			}
			time.Sleep(time.Second)
			after, err := mainThreadsStatus(pid)
			if err != nil {
				t.Fatalf("main is gone: %v\n%s", err, srv.Log())
			}
			limit := 2*runtime.GOMAXPROCS(0) + 8
			t.Logf("%s: main's threads before %d, peak %d, after %d (limit %d); up to %d workers at once",
				kind, before, peak, after, limit, peakWorkers)
			if peakWorkers < conns/3 {
				t.Errorf("only %d workers alive at once; the flood did not load main", peakWorkers)
			}
			if peak > limit || after > limit {
				t.Errorf("main's threads grew with its workers: before %d, peak %d, after %d, limit %d", before, peak, after, limit)
			}
			if !srv.Running() {
				t.Errorf("server exited:\n%s", srv.Log())
			}
		})
	}
}
