package mainproc

import (
	"os"
	"strings"
)

// workerStartupEnv is where ocserv (and ocserv-go before the start-up
// message moved to an inherited memfd, ipc.StartupFDName) put a worker's
// start-up message. workerEnv drops it from main's environment so that no
// stale or forged value reaches a worker.
const workerStartupEnv = "OCSERV_WORKER_STARTUP_MSG"

// workerEnv is the environment of an ocserv-worker: ours, without
// workerStartupEnv, and GOMAXPROCS=1 unless the administrator set
// GOMAXPROCS. Nothing secret travels in it: a worker's environment is
// readable through /proc/PID/environ by its user for as long as it is
// dumpable; the start-up message goes through an inherited memfd.
//
// GOMAXPROCS: a worker serves one client, like ocserv's single-threaded
// worker; with one P its runtime keeps one per-P cache of partly used heap
// spans instead of one per CPU and starts fewer threads (each with its own
// g0 and signal stacks). Measured on vpnbench memory-per-client: about
// 0.3 MiB less private memory per client (docs/performance.md, Memory). It
// has to be in the environment: runtime.GOMAXPROCS(1) called by the worker
// itself after start-up costs more memory than it saves.
func workerEnv() []string {
	var env []string
	set := false
	for _, e := range os.Environ() {
		if strings.HasPrefix(e, workerStartupEnv+"=") {
			continue
		}
		if strings.HasPrefix(e, "GOMAXPROCS=") {
			set = true
		}
		env = append(env, e)
	}
	if !set {
		env = append(env, "GOMAXPROCS=1")
	}
	return env
}
