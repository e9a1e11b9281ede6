package main

import (
	"errors"

	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// secmodRun is sec-mod's entry point, secmod.Run of internal/secmod. This
// one file switches to it once that package exports Run.
var secmodRun = func(*ipcpb.SecmodStartup) error {
	return errors.New("sec-mod (internal/secmod) is not part of this build yet")
}
