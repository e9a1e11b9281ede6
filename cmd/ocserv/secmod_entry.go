package main

import "github.com/ocserv-go/ocserv/internal/secmod"

// secmodRun is sec-mod's entry point (docs/process-contract.md).
var secmodRun = secmod.Run
