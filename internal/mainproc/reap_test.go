package mainproc

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// threadCount is the Threads: line of /proc/self/status.
func threadCount(t *testing.T) int {
	t.Helper()
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no Threads: line in /proc/self/status")
	return 0
}

// tcpPairs returns a function that yields the server side of a new
// loopback TCP connection (the client side is closed at cleanup).
func tcpPairs(t *testing.T) func() *net.TCPConn {
	t.Helper()
	ln, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var clients []net.Conn
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range clients {
			c.Close()
		}
	})
	return func() *net.TCPConn {
		c, err := net.Dial("tcp4", ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		clients = append(clients, c)
		mu.Unlock()
		s, err := ln.AcceptTCP()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
}

// TestWorkerThreadsStayFlat starts 1,000 short-lived workers through
// startWorker (a stand-in binary that sleeps a little, so that a few
// hundred live at once) and checks that main's thread count stays within
// 2×GOMAXPROCS + 8 while they run and after they are gone, and that every
// one was reaped and its session removed.
func TestWorkerThreadsStayFlat(t *testing.T) {
	const workers = 1000
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Fatalf("this test needs sleep(1): %v", err)
	}
	h := newHarness(t, "")
	ws := &workerStarter{path: sleep, args: []string{"1.5"}, sp: newSpawner(), rp: newReaper()}
	accept := tcpPairs(t)
	limit := 2*runtime.GOMAXPROCS(0) + 8
	peak, peakLive := 0, 0
	sample := func() {
		if n := threadCount(t); n > peak {
			peak = n
		}
		if n := h.s.activeClients(); n > peakLive {
			peakLive = n
		}
	}
	for i := 0; i < workers; i++ {
		if err := h.s.startWorker(ws, accept()); err != nil {
			t.Fatalf("worker %d: %v", i, err)
		}
		if i%20 == 0 {
			sample()
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for h.s.activeClients() > 0 || ws.rp.pending() > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sessions and %d unreaped workers left after 60 s", h.s.activeClients(), ws.rp.pending())
		}
		sample()
		time.Sleep(50 * time.Millisecond)
	}
	after := threadCount(t)
	t.Logf("%d workers, up to %d alive at once; threads: peak %d, after %d (limit %d)", workers, peakLive, peak, after, limit)
	if peakLive < 50 {
		t.Errorf("only %d workers were alive at once; the test did not load main", peakLive)
	}
	if peak > limit || after > limit {
		t.Errorf("main's threads grew with its workers: peak %d, after %d, limit %d", peak, after, limit)
	}
	if zombies := zombieChildren(t); zombies != 0 {
		t.Errorf("%d zombie children left", zombies)
	}
}

// zombieChildren counts this process's children in state Z.
func zombieChildren(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	me, n := os.Getpid(), 0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) > 1 && f[0] == "Z" && f[1] == strconv.Itoa(me) && pid != me {
			n++
		}
	}
	return n
}

// TestReaperLeavesOtherChildren: the reaper never collects a child it was
// not told about, so os/exec's Wait for sec-mod or a script still gets its
// exit status.
func TestReaperLeavesOtherChildren(t *testing.T) {
	rp := newReaper()
	other := exec.Command("sh", "-c", "exit 7")
	if err := other.Start(); err != nil {
		t.Fatalf("this test needs sh: %v", err)
	}
	worker := exec.Command("true")
	if err := worker.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-rp.watch(worker.Process):
	case <-time.After(20 * time.Second):
		t.Fatal("watched child was not reaped")
	}
	time.Sleep(100 * time.Millisecond)
	syscall.Kill(os.Getpid(), syscall.SIGCHLD) // make the reaper sweep again
	time.Sleep(100 * time.Millisecond)
	err := other.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 7 {
		t.Errorf("other child's Wait: %v, want exit status 7", err)
	}
}
