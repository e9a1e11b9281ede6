package mainproc

import (
	"os"
	"strings"
)

// workerEnv is the environment of an ocserv-worker: ours plus the start-up
// message, and GOMAXPROCS=1 unless the administrator set GOMAXPROCS. A
// worker serves one client, like ocserv's single-threaded worker; with one
// P its runtime keeps one per-P cache of partly used heap spans instead of
// one per CPU and starts fewer threads (each with its own g0 and signal
// stacks). Measured on vpnbench memory-per-client: about 0.3 MiB less
// private memory per client (docs/performance.md, Memory). It has to be
// in the environment: runtime.GOMAXPROCS(1) called by the worker itself
// after start-up costs more memory than it saves.
func workerEnv(startup string) []string {
	env := os.Environ()
	set := false
	for _, e := range env {
		if strings.HasPrefix(e, "GOMAXPROCS=") {
			set = true
			break
		}
	}
	if !set {
		env = append(env, "GOMAXPROCS=1")
	}
	return append(env, startup)
}
