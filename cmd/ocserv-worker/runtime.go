package main

import "runtime"

// No memory profiling in a worker: nothing reads the profile, and each
// sampled allocation dirties pages of the runtime's profiling bucket
// table in a process that exists once per client. (GOMAXPROCS=1 comes
// from main, in the worker's environment: see mainproc.workerEnv.)
func init() { runtime.MemProfileRate = 0 }
