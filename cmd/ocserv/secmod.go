package main

import (
	"fmt"
	"io"
	"os"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/mainproc"
)

// runSecmodRole runs this process as sec-mod when main started it so
// (OCSERV_SECMOD_STARTUP set, docs/process-contract.md). It reports false
// when the variable is absent: the process is main.
func runSecmodRole(stderr io.Writer) (int, bool) {
	enc, ok := os.LookupEnv(mainproc.SecmodStartupEnv)
	if !ok {
		return 0, false
	}
	os.Unsetenv(mainproc.SecmodStartupEnv)
	_ = os.WriteFile("/proc/self/comm", []byte("ocserv-sm"), 0)
	var st ipcpb.SecmodStartup
	if err := ipc.DecodeStartup(enc, &st); err != nil {
		fmt.Fprintf(stderr, "sec-mod: invalid start-up message: %v\n", err)
		return 1, true
	}
	if err := secmodRun(&st); err != nil {
		fmt.Fprintf(stderr, "sec-mod: %v\n", err)
		return 1, true
	}
	return 0, true
}
