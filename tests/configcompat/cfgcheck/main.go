// Command cfgcheck is a stand-in for "ocserv -t -c FILE" used by the
// configcompat test while cmd/ocserv cannot be built: it runs config.Load,
// checks that the server-cert and server-key files can be opened, and exits
// like ocserv -t. It runs in no ocserv process; it only reads files.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/ocserv-go/ocserv/internal/config"
)

func main() {
	path := ""
	for i := 1; i < len(os.Args); i++ {
		if os.Args[i] == "-c" && i+1 < len(os.Args) {
			path = os.Args[i+1]
			i++
		}
	}
	if _, err := os.Stat(path); err != nil {
		fmt.Fprintf(os.Stderr, "error: cannot access config file: %s\nUsage: ocserv -c [config]\nUse ocserv --help for more information.\n", path)
		os.Exit(1)
	}
	_, err := config.Load(path, config.LoadOptions{
		Stderr: os.Stderr,
		LoadFiles: func(v *config.Vhost) error {
			for _, f := range append(append([]string(nil), v.ServerCerts...), v.ServerKeys...) {
				fh, err := os.Open(f)
				if err != nil {
					return &config.Error{Msg: "error: cannot open file " + f, ExitCode: 1}
				}
				fh.Close()
			}
			// ocserv 1.1.6 exits 1 without a message when the CRL of a
			// vhost that requests client certificates cannot be read.
			if v.CertRequest != config.CertIgnore && v.CRL != "" {
				if _, err := os.ReadFile(v.CRL); err != nil {
					return &config.Error{Msg: "", ExitCode: 1}
				}
			}
			return nil
		},
	})
	if err != nil {
		var e *config.Error
		if errors.As(err, &e) {
			if e.Msg != "" {
				fmt.Fprintln(os.Stderr, e.Msg)
			}
			os.Exit(e.ExitCode)
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
