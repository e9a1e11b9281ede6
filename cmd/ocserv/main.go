// Command ocserv is the OpenConnect VPN server of ocserv-go, a drop-in
// replacement for ocserv 1.1.6.
//
// This is ocserv's main process (ocserv's src/main.c command-line handling
// and start-up checks). It parses the command line like ocserv, loads and
// checks the configuration (internal/config) and, for -t, the certificate
// and key files (internal/keys). Without -t it runs the server: the main
// process is internal/mainproc; the same binary re-executed with
// OCSERV_SECMOD_STARTUP in its environment is sec-mod (internal/secmod,
// see docs/process-contract.md). Workers are the separate ocserv-worker
// binary beside this one.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/ocserv-go/ocserv/internal/mainproc"
	"golang.org/x/sys/unix"
)

// Default configuration files; a variable so tests can point them elsewhere.
var (
	defaultConfigFile = "/etc/ocserv/ocserv.conf"
	legacyConfigFile  = "/etc/ocserv.conf"
)

func main() {
	if code, ok := runSecmodRole(os.Stderr); ok {
		os.Exit(code)
	}
	os.Exit(run(os.Args, os.Stderr))
}

// run is the whole command; it returns the exit status. Everything goes to
// stderr, as with ocserv; stdout is never written.
func run(args []string, stderr io.Writer) int {
	o := parseArgs(args, stderr)
	prog := "ocserv"
	if len(args) > 0 {
		prog = args[0]
	}
	switch o.Action {
	case actHelp:
		io.WriteString(stderr, helpText)
		return 0
	case actVersion:
		writeVersion(stderr)
		return 0
	}
	if len(o.Args) > 0 {
		fmt.Fprint(stderr, "error: no additional command line options are allowed\n\n")
		return 1
	}

	path := o.ConfigFile
	if !o.ConfigSet {
		path = defaultConfigFile
		if !readable(path) {
			path = legacyConfigFile
		}
	}
	if !readable(path) {
		fmt.Fprintf(stderr, "error: cannot access config file: %s\n", path)
		writeUsageHint(stderr, prog)
		return 1
	}

	notes := stderr
	if mainproc.InDaemon() && !o.TestConfig {
		notes = io.Discard // the parent printed them already
	}
	cfg, code := loadConfig(path, o, notes)
	if code != 0 {
		return code
	}
	if o.TestConfig {
		return 0
	}
	return mainproc.Run(cfg, mainproc.Options{
		Args:       args,
		ConfigFile: path,
		Debug:      o.Debug,
		DebugSet:   o.DebugSet,
		Foreground: o.Foreground,
		NoChdir:    o.NoChdir,
		PidFile:    o.PidFile,
		Stderr:     stderr,
	})
}

// readable is access(path, R_OK), as ocserv checks the config file.
func readable(path string) bool {
	return unix.Access(path, unix.R_OK) == nil
}
