package mainproc

import (
	"debug/elf"
	"fmt"
)

// workerBinaryWarning returns a start-up warning when the worker binary at
// path is dynamically linked: a plain `go build` with cgo on links the
// worker against glibc (Go's net package uses cgo then), where the
// Makefile builds it static and pure Go (CGO_ENABLED=0). Such a worker
// still works, also under isolate-workers, but it loads the C library and
// NSS modules into every worker; docs/process-contract.md says how to
// build it. An unreadable or non-ELF file is left to the exec to report.
func workerBinaryWarning(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return fmt.Sprintf("warning: %s is dynamically linked (built with cgo); build it with CGO_ENABLED=0, or with -tags netgo,osusergo, for the static pure-Go worker", path)
		}
	}
	return ""
}
