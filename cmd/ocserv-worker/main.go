// Command ocserv-worker is the per-client process of ocserv-go.
//
// It runs unprivileged (run-as-user/run-as-group), is started by the main
// ocserv process with one accepted client socket, and never loads private
// keys, PAM or other cgo code: it is built with CGO_ENABLED=0.
//
// The client protocol (HTTP/XML login, CSTP, DTLS) is added by the
// multi-process core; until then the binary only refuses to run by hand.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "ocserv-worker: this program is started by ocserv for each client and cannot be run directly")
	os.Exit(1)
}
