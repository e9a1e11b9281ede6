// Package mainproc is ocserv-go's main process ("ocserv-main"): it listens
// for clients, starts sec-mod and one worker per TCP connection, turns an
// authenticated cookie into a tunnel session (IP leases, tun device,
// connect-script) and cleans sessions up when their worker goes away.
//
// It runs only in the main process, as root. It touches the listening TCP
// sockets, the sec-mod Unix socket it creates (and removes at exit), the
// pid file, tun devices (internal/tundev), the lease table (internal/lease)
// and the hook scripts (internal/scriptenv); private keys and passwords are
// never read here (that is sec-mod's job).
//
// It mirrors ocserv's src/main.c (start-up, listeners, event loop, signals),
// src/main-proc.c (proc table, remove_proc), src/main-worker-cmd.c (worker
// commands), src/main-sec-mod-cmd.c (session open/close with sec-mod),
// src/main-user.c (scripts, disconnect log) and the hooks of src/main-ban.c.
// How the three processes start and talk is fixed in docs/process-contract.md.
//
// Go specifics: instead of ocserv's single-threaded event loop, each worker's
// command socket has its own goroutine and shared state is guarded by one
// mutex; the sec-mod sync channel is serialised by its own lock. Children are
// spawned from one goroutine locked to an OS thread so that Pdeathsig (which
// follows the spawning thread, not the process) stays meaningful.
package mainproc
