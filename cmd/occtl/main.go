// Command occtl controls a running ocserv through its control socket
// (occtl-socket-file, root only): status, users, sessions, bans,
// disconnects, reload and stop, with the text and JSON output of ocserv
// 1.1.6's occtl. Everything lives in internal/occtl.
package main

import (
	"os"

	"github.com/ocserv-go/ocserv/internal/occtl"
)

func main() {
	os.Exit(occtl.Main(os.Args[1:], occtl.IO{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}))
}
