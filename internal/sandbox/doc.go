// Package sandbox confines an ocserv-worker process (it runs in the
// worker only) the way ocserv's isolate-workers (formerly use-seccomp)
// does: an allow-list seccomp filter on every thread, no_new_privs, a
// non-dumpable process (unless the server runs with -x/--traceable; every
// worker is already non-dumpable from its first package init, see
// cmd/ocserv-worker/internal/nodump) and an OOM score of 1000 so that a
// worker is the first thing the kernel kills.
//
// Library choice: github.com/elastic/go-seccomp-bpf, not
// github.com/seccomp/libseccomp-golang. Both install the filter with
// SECCOMP_FILTER_FLAG_TSYNC (mandatory in Go: the runtime already runs
// several OS threads when main starts) and both support argument
// conditions (clone flags, socket domain, ioctl request). The elastic
// package is pure Go, so the worker stays a static CGO_ENABLED=0 binary
// that loads no shared library at all (its dependency fence in
// cmd/ocserv-worker/deps_test.go still forbids runtime/cgo for the
// static builds);
// libseccomp-golang would have pulled cgo and libseccomp.so into every
// worker for no functional gain. The library only assembles the BPF
// program here; this package loads it itself so that denied calls fail
// with ENOSYS (as ocserv's filter does; the library's errno action is
// EPERM) and so that a debug mode can add SECCOMP_FILTER_FLAG_LOG.
//
// What the filter allows (amd64 names; everything else fails with ENOSYS):
//   - glibc's thread start, for a worker built with cgo on (dynamically
//     linked): rseq (a failed registration aborts the process) and
//     set_robust_list; its clone3 fails with ENOSYS and glibc falls back
//     to clone;
//   - the Go runtime: futex, clone with CLONE_THREAD only (no fork),
//     mmap/munmap/madvise/mprotect, signal handling, tgkill/gettid/getpid,
//     the scheduler and clock calls, the netpoller (epoll*, eventfd2,
//     pipe2), getrandom, exit/exit_group;
//   - I/O on descriptors the worker has or is sent (read/write and
//     vectors, send/recv msg/to/from/mmsg, close, fcntl, fstat,
//     get/setsockopt, getsockname/getpeername, shutdown);
//   - socket(AF_UNIX)+connect for the per-request sec-mod connection and
//     syslog; socket(AF_INET, SOCK_DGRAM|SOCK_CLOEXEC) with
//     ioctl(SIOCGIFMTU) for the tun MTU query, and ioctl(TUNGETIFF) on
//     the tun descriptor; no other socket family or type, no bind, listen
//     or accept;
//   - openat/newfstatat/lseek only when a file must be read after start-up:
//     user-profile is set (as in ocserv), or client certificates are
//     checked (this worker reads ca-cert and crl at verification time).
//
// Not allowed, among others: execve/execveat, fork/vfork, non-thread
// clone, clone3 (Go falls back), ptrace, setuid and friends, mount,
// kill of other processes, bind/listen/accept.
package sandbox
