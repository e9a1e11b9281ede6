// Package nodump runs first in an ocserv-worker (the per-client process):
// its init makes the process non-dumpable before the worker's main reads
// the start-up message (auth-init HMAC, configuration) or any client byte.
//
// Go initialises a program's packages dependencies first and otherwise in
// import-path order; nothing before this init reads an inherited
// descriptor, and main only reads the start-up message after it, so the
// process holds no secret while dumpable. Only ocserv's -x/--traceable,
// which main passes on in the worker's argv, keeps the worker dumpable.
package nodump

import (
	"os"

	"github.com/ocserv-go/ocserv/internal/sandbox"
)

var (
	// OOMScoreAdj is /proc/self/oom_score_adj, opened while the process
	// was still dumpable, for sandbox.Options (nil if it failed).
	OOMScoreAdj *os.File
	// Err is set when the process could not be made non-dumpable; the
	// worker must then exit before reading anything.
	Err error
)

func init() {
	OOMScoreAdj, Err = sandbox.Early(sandbox.Traceable(os.Args[1:]))
}
