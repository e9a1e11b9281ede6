//go:build linux

package sandbox

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const childEnv = "OCSERV_SANDBOX_TEST_CHILD"

// TestMain runs the confined half of TestFilter when re-executed.
func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode == "open"))
	}
	os.Exit(m.Run())
}

// child applies the filter and prints one "name: result" line per probe.
func child(allowOpen bool) int {
	status, err := os.Open("/proc/self/status") // read after the filter is on
	if err != nil {
		fmt.Println("setup:", err)
		return 1
	}
	oom, err := os.OpenFile("/proc/self/oom_score_adj", os.O_WRONLY, 0)
	if err != nil {
		fmt.Println("setup:", err)
		return 1
	}
	if err := Apply(Options{AllowOpen: allowOpen, OOMScoreAdj: oom}); err != nil {
		fmt.Println("apply:", err)
		return 1
	}
	errno := func(err error) error {
		var e unix.Errno
		if errors.As(err, &e) {
			return e
		}
		return err
	}
	show := func(name string, err error) {
		if err == nil {
			fmt.Printf("%s: ok\n", name)
		} else {
			e, ok := errno(err).(unix.Errno)
			if !ok {
				fmt.Printf("%s: %v\n", name, err)
				return
			}
			fmt.Printf("%s: %s\n", name, unix.ErrnoName(e))
		}
	}

	d, _ := unix.PrctlRetInt(unix.PR_GET_DUMPABLE, 0, 0, 0, 0)
	fmt.Printf("dumpable: %d\n", d)

	// Status lines, read through a descriptor opened before the filter.
	sc := bufio.NewScanner(status)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "Seccomp:") || strings.HasPrefix(l, "NoNewPrivs:") {
			fmt.Println(strings.Join(strings.Fields(l), " "))
		}
	}

	// Allowed: new OS threads, timers, pipes, unix sockets.
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runtime.LockOSThread() // forces the runtime to start threads
			time.Sleep(20 * time.Millisecond)
		}()
	}
	wg.Wait()
	fmt.Println("threads: ok")
	var p [2]int
	err = unix.Pipe2(p[:], unix.O_CLOEXEC)
	if err == nil {
		_, err = unix.Write(p[1], []byte("x"))
	}
	show("pipe-write", err)
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err == nil {
		unix.Close(fd)
	}
	show("socket-unix", err)
	fd, err = unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err == nil {
		ifr, _ := unix.NewIfreq("lo")
		err = unix.IoctlIfreq(fd, unix.SIOCGIFMTU, ifr)
		unix.Close(fd)
	}
	show("mtu-query", err)

	// glibc's thread start (a worker built with cgo): rseq and
	// set_robust_list reach the kernel (EINVAL for these bad arguments),
	// clone3 is filtered (ENOSYS) so that glibc falls back to clone.
	_, _, e := unix.RawSyscall(unix.SYS_RSEQ, 0, 0, 0)
	show("rseq", e)
	_, _, e = unix.RawSyscall(unix.SYS_SET_ROBUST_LIST, 0, 0, 0)
	show("set_robust_list", e)
	_, _, e = unix.RawSyscall(unix.SYS_CLONE3, 0, 0, 0)
	show("clone3", e)

	// Denied.
	_, err = unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	show("socket-inet-stream", err)
	_, err = unix.Socket(unix.AF_INET6, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	show("socket-inet6", err)
	err = unix.Exec("/bin/true", []string{"true"}, nil)
	show("execve", err)
	show("fork", exec.Command("/bin/true").Run())
	r, _, e := unix.RawSyscall(unix.SYS_SETUID, 0, 0, 0)
	if r == 0 {
		e = 0
	}
	if e == 0 {
		show("setuid", nil)
	} else {
		show("setuid", e)
	}
	f, err := os.Open("/etc/passwd")
	if err == nil {
		f.Close()
	}
	show("open-passwd", err)
	return 0
}

func runChild(t *testing.T, mode string) map[string]string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+mode)
	done := make(chan struct{})
	timer := time.AfterFunc(30*time.Second, func() { cmd.Process.Kill(); close(done) })
	out, err := cmd.CombinedOutput()
	if !timer.Stop() {
		<-done
	}
	if err != nil {
		t.Fatalf("confined child: %v\n%s", err, out)
	}
	got := map[string]string{}
	for _, l := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(l, ": "); ok {
			got[k] = v
		}
	}
	t.Logf("child (%s):\n%s", mode, out)
	return got
}

func TestFilter(t *testing.T) {
	if !Supported() {
		t.Fatal("kernel without seccomp")
	}
	want := map[string]string{
		"Seccomp":            "2", // filter mode
		"NoNewPrivs":         "1",
		"threads":            "ok",
		"pipe-write":         "ok",
		"socket-unix":        "ok",
		"mtu-query":          "ok",
		"socket-inet-stream": "ENOSYS",
		"socket-inet6":       "ENOSYS",
		"execve":             "ENOSYS",
		"fork":               "ENOSYS",
		"setuid":             "ENOSYS",
		"open-passwd":        "ENOSYS",
		"dumpable":           "0",
		"rseq":               "EINVAL",
		"set_robust_list":    "EINVAL",
		"clone3":             "ENOSYS",
	}
	got := runChild(t, "closed")
	for k, v := range want {
		if g := got[k]; g != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	// With AllowOpen (user-profile), files can be read; exec still fails.
	got = runChild(t, "open")
	if got["open-passwd"] != "ok" {
		t.Errorf("open-passwd with AllowOpen = %q, want ok", got["open-passwd"])
	}
	if got["execve"] != "ENOSYS" {
		t.Errorf("execve with AllowOpen = %q, want ENOSYS", got["execve"])
	}
}
