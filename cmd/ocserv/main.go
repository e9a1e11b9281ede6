// Command ocserv is the OpenConnect VPN server of ocserv-go, a drop-in
// replacement for ocserv 1.1.6.
//
// This is ocserv's main process (ocserv's src/main.c command-line handling
// and start-up checks). It parses the command line like ocserv, loads and
// checks the configuration (internal/config) and, for -t, the certificate
// and key files (internal/keys). It only reads files and writes stderr; the
// server itself (listening, sec-mod, workers) is not part of this build yet,
// and without -t the command says so and exits 1.
package main

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Default configuration files; a variable so tests can point them elsewhere.
var (
	defaultConfigFile = "/etc/ocserv/ocserv.conf"
	legacyConfigFile  = "/etc/ocserv.conf"
)

func main() {
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

	_, code := loadConfig(path, o, stderr)
	if code != 0 {
		return code
	}
	if o.TestConfig {
		return 0
	}
	fmt.Fprintln(stderr, "error: ocserv-go: running the VPN server is not implemented in this build yet; only -t/--test-config works")
	return 1
}

// readable is access(path, R_OK), as ocserv checks the config file.
func readable(path string) bool {
	return unix.Access(path, unix.R_OK) == nil
}
