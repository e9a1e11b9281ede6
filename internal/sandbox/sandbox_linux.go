//go:build linux

package sandbox

import (
	"fmt"
	"os"
	"time"
	"unsafe"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"github.com/elastic/go-seccomp-bpf/arch"
	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// Available is true: this build confines workers (isolate-workers).
const Available = true

// Options says what the filter must leave open.
type Options struct {
	// AllowOpen allows openat, newfstatat, statx and lseek: needed when
	// the worker reads files after start-up (user-profile, ca-cert/crl).
	AllowOpen bool
	// Traceable keeps the process dumpable (ocserv -x/--traceable).
	Traceable bool
	// Debug adds SECCOMP_FILTER_FLAG_LOG: every denied call is logged by
	// the kernel (audit/dmesg, "type=1326"), still failing with ENOSYS.
	Debug bool
	// OOMScoreAdj is /proc/self/oom_score_adj opened while the process
	// was still dumpable (a non-dumpable process's /proc/self files belong
	// to root; the worker makes itself non-dumpable first thing, in
	// cmd/ocserv-worker/internal/nodump). Apply writes and closes it; when
	// nil, Apply opens the file itself.
	OOMScoreAdj *os.File
}

// writeOOMScore raises the OOM score to 1000 through f, or through a
// fresh open of /proc/self/oom_score_adj when f is nil; f is closed.
func writeOOMScore(f *os.File) error {
	if f == nil {
		var err error
		if f, err = os.OpenFile("/proc/self/oom_score_adj", os.O_WRONLY, 0); err != nil {
			return fmt.Errorf("sandbox: oom_score_adj: %w", err)
		}
	}
	defer f.Close()
	if _, err := f.WriteString("1000"); err != nil {
		return fmt.Errorf("sandbox: oom_score_adj: %w", err)
	}
	return nil
}

// deniedErrno is what a filtered call returns, as in ocserv.
const deniedErrno = unix.ENOSYS

var baseSyscalls = []string{
	// Go runtime
	"futex", "mmap", "munmap", "madvise", "mprotect", "mremap", "brk",
	"sigaltstack", "rt_sigaction", "rt_sigprocmask", "rt_sigreturn",
	"tgkill", "tkill", "gettid", "getpid", "getppid",
	"sched_yield", "sched_getaffinity", "nanosleep", "clock_nanosleep",
	"clock_gettime", "clock_getres", "gettimeofday", "time",
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2",
	"eventfd2", "pipe2", "getrandom", "exit", "exit_group", "restart_syscall",
	"getuid", "geteuid", "getgid", "getegid", "getrlimit", "prlimit64", "uname",
	"setitimer", "timer_create", "timer_settime", "timer_delete",
	// glibc, when the worker was built with cgo (a plain `go build` with
	// cgo on links net's cgo resolver): every thread it starts registers
	// its rseq area (a failure is fatal: "rseq registration failed") and
	// its robust futex list; its clone3 gets ENOSYS and falls back to
	// clone, which the CLONE_THREAD condition below allows.
	"rseq", "set_robust_list",
	// I/O on held and received descriptors
	"read", "write", "readv", "writev", "close", "fcntl", "fstat",
	"sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "sendto", "recvfrom",
	"getsockopt", "setsockopt", "getsockname", "getpeername", "shutdown",
	"connect", "poll", "ppoll",
}

var openSyscalls = []string{"openat", "newfstatat", "statx", "lseek", "fstatfs"}

// policy builds the allow-list for the running architecture.
func policy(o Options) (seccomp.Policy, error) {
	info, err := arch.GetInfo("")
	if err != nil {
		return seccomp.Policy{}, err
	}
	var names []string
	add := func(list []string) {
		for _, n := range list {
			if _, ok := info.SyscallNames[n]; ok { // not every arch has every call
				names = append(names, n)
			}
		}
	}
	add(baseSyscalls)
	if o.AllowOpen {
		add(openSyscalls)
	}
	eq := func(arg uint32, v uint64) seccomp.Condition {
		return seccomp.Condition{Argument: arg, Operation: seccomp.Equal, Value: v}
	}
	conds := []seccomp.NameWithConditions{
		// threads only: fork-style clones lack CLONE_THREAD
		{Name: "clone", Conditions: seccomp.ArgumentConditions{
			{Argument: 0, Operation: seccomp.BitsSet, Value: unix.CLONE_THREAD}}},
		{Name: "socket", Conditions: seccomp.ArgumentConditions{eq(0, unix.AF_UNIX)}},
		{Name: "socket", Conditions: seccomp.ArgumentConditions{
			eq(0, unix.AF_INET), eq(1, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC)}},
		{Name: "ioctl", Conditions: seccomp.ArgumentConditions{eq(1, unix.SIOCGIFMTU)}},
		{Name: "ioctl", Conditions: seccomp.ArgumentConditions{eq(1, unix.TUNGETIFF)}},
	}
	return seccomp.Policy{
		DefaultAction: seccomp.ActionErrno,
		Syscalls: []seccomp.SyscallGroup{{
			Action:             seccomp.ActionAllow,
			Names:              names,
			NamesWithCondtions: conds,
		}},
	}, nil
}

// program assembles the filter, turning the library's EPERM returns into
// ENOSYS.
func program(o Options) ([]unix.SockFilter, error) {
	p, err := policy(o)
	if err != nil {
		return nil, err
	}
	insts, err := p.Assemble()
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	eperm := uint32(seccomp.ActionErrno) | uint32(unix.EPERM)
	for i, in := range insts {
		if r, ok := in.(bpf.RetConstant); ok && r.Val == eperm {
			insts[i] = bpf.RetConstant{Val: uint32(seccomp.ActionErrno) | uint32(deniedErrno)}
		}
	}
	raw, err := bpf.Assemble(insts)
	if err != nil {
		return nil, fmt.Errorf("sandbox: %w", err)
	}
	out := make([]unix.SockFilter, len(raw))
	for i, r := range raw {
		out[i] = unix.SockFilter{Code: r.Op, Jt: r.Jt, Jf: r.Jf, K: r.K}
	}
	return out, nil
}

// Apply confines the calling process for good: OOM score 1000,
// non-dumpable unless o.Traceable, no_new_privs, then the seccomp filter
// on all threads (TSYNC). Call it once the descriptors and configuration
// are in hand and before reading anything from the client.
func Apply(o Options) error {
	prog, err := program(o)
	if err != nil {
		return err
	}
	// Things the runtime would otherwise do lazily after the filter is on:
	// load the local time zone (/etc/localtime).
	_, _ = time.Now().Zone()

	// Raising one's own OOM score needs no privilege, but a descriptor
	// opened while dumpable: PR_SET_DUMPABLE 0 makes /proc/self owned by
	// root.
	if err := writeOOMScore(o.OOMScoreAdj); err != nil {
		return err
	}
	if !o.Traceable {
		if err := unix.Prctl(unix.PR_SET_DUMPABLE, 0, 0, 0, 0); err != nil {
			return fmt.Errorf("sandbox: PR_SET_DUMPABLE: %w", err)
		}
	}
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("sandbox: PR_SET_NO_NEW_PRIVS: %w", err)
	}
	flags := uintptr(unix.SECCOMP_FILTER_FLAG_TSYNC)
	if o.Debug {
		flags |= unix.SECCOMP_FILTER_FLAG_LOG
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	r, _, errno := unix.Syscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, flags, uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return fmt.Errorf("sandbox: seccomp: %w", errno)
	}
	if r != 0 {
		// With TSYNC a positive return is the id of a thread that could not
		// be synchronized.
		return fmt.Errorf("sandbox: seccomp: thread %d could not be synchronized", r)
	}
	return nil
}

// Supported reports whether the kernel offers seccomp filters.
func Supported() bool {
	err := unix.Prctl(unix.PR_GET_SECCOMP, 0, 0, 0, 0)
	return err == nil
}
