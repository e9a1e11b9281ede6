// Package nodump runs first in an ocserv-worker (the per-client process):
// its init makes the process non-dumpable before the worker's main reads
// the start-up message (auth-init HMAC, configuration) or any client byte.
//
// Go initialises a program's packages dependencies first and otherwise in
// import-path order (the linker schedules every package, including those
// without init work, by import path once its imports are done). This
// package imports os and syscall only, so its init runs right after os's
// (GODEBUG=inittrace=1 shows the order), before the crypto, protobuf and
// worker packages, and nothing before it reads an inherited descriptor.
// Keep it that way: importing strings or fmt, for instance, would move it
// after every package whose path sorts before "strings". Only ocserv's
// -x/--traceable, which main passes on in the worker's argv, keeps the
// worker dumpable.
package nodump

import "os"

var (
	// OOMScoreAdj is /proc/self/oom_score_adj, opened while the process
	// was still dumpable (a non-dumpable process's /proc/self files belong
	// to root), for isolate-workers' sandbox.Options; nil if it failed.
	OOMScoreAdj *os.File
	// Err is set when the process could not be made non-dumpable; the
	// worker must then exit before reading anything.
	Err error
)

func init() {
	OOMScoreAdj, Err = early(Traceable(os.Args[1:]))
}

// Traceable reports whether the server's argv (which main hands to each
// worker) holds -x or --traceable.
func Traceable(args []string) bool {
	for _, a := range args {
		switch {
		case a == "--":
			return false
		case a == "--traceable":
			return true
		case hasPrefix(a, "--traceable="):
			return a[len("--traceable="):] == "true"
		case hasPrefix(a, "--"):
		case hasPrefix(a, "-") && len(a) > 1:
			if shortFlagsHaveX(a[1:]) {
				return true
			}
		}
	}
	return false
}

// shortFlagsHaveX reports whether a group of short flags holds x before
// the first flag that takes a value (-c, -d, -p).
func shortFlagsHaveX(group string) bool {
	for i := 0; i < len(group); i++ {
		switch group[i] {
		case 'x':
			return true
		case 'c', 'd', 'p':
			return false
		}
	}
	return false
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }
