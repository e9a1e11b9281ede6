// Command occtl controls a running ocserv through its control socket.
//
// It runs as an ordinary command (root, to reach the socket) and touches
// nothing but the socket. The control protocol and every command's text and
// JSON output arrive with the occtl work item; this build only answers
// --help and --version and says plainly that the commands are missing.
package main

import (
	"fmt"
	"os"

	"github.com/ocserv-go/ocserv/internal/version"
)

func main() {
	for _, a := range os.Args[1:] {
		switch a {
		case "-v", "--version":
			fmt.Printf("occtl %s (ocserv-go %s)\n", version.Compat, version.Build)
			return
		case "-h", "--help":
			fmt.Println("Usage: occtl [-s SOCKET] [-j] [-n] COMMAND")
			fmt.Println("The control commands are not implemented in this build of ocserv-go yet.")
			return
		}
	}
	fmt.Fprintln(os.Stderr, "occtl: the control commands are not implemented in this build of ocserv-go yet")
	os.Exit(1)
}
