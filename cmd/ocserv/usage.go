package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"

	"github.com/ocserv-go/ocserv/internal/auth/pam"
	"github.com/ocserv-go/ocserv/internal/sandbox"
	"github.com/ocserv-go/ocserv/internal/version"
)

// helpText is printed by -h/--help. The options, their order and the layout
// follow ocserv 1.1.6's --help; the wording is ours.
const helpText = `ocserv - OpenConnect VPN server (ocserv-go)
Usage:  ocserv [ -<flag> [<val>] | --<name>[{=| }<val>] ]...

   -f, --foreground           Stay in the foreground instead of daemonizing
   -d, --debug=num            Log more details (debug level)
				- it must be in the range:
				  0 to 9
   -c, --config=file          Read the server configuration from this file
				- file must exist
   -t, --test-config          Check the configuration file, then exit
       --no-chdir             Keep the working directory when daemonizing
   -p, --pid-file=file        Write the server's process id to this file
   -v, --version              Print the version information, then exit
   -x, --traceable            Let the server processes be traced
               - use for debugging purposes only
   -h, --help                 Print this help, then exit

ocserv-go is a Go implementation of the OpenConnect VPN server (ocserv),
usable in its place: same configuration files, command line and tools. It
serves the TLS and DTLS based AnyConnect protocol spoken by the OpenConnect
client and by Cisco's AnyConnect client.

Please report bugs to the ocserv-go project.
`

// compiledWith lists the optional features of this build, in ocserv's
// words, for the "Compiled with:" line of --version. Scripts look for these
// words (seccomp, oath, radius, gssapi, PAM, PKCS#11, AnyConnect) to learn
// what the server supports, so a word goes here only once ocserv-go really
// does that thing:
//
//   - "seccomp":    workers run under a seccomp filter (isolate-workers)
//   - "oath":       HOTP/TOTP one-time passwords (otp= of plain auth)
//   - "radius":     RADIUS authentication and accounting
//   - "gssapi":     Kerberos / GSSAPI authentication
//   - "PAM":        PAM authentication and accounting
//   - "PKCS#11":    server keys and certificates from pkcs11: URLs
//   - "AnyConnect": the legacy AnyConnect (pre-PSK) DTLS negotiation
//
// ocserv prints them in the order above.
func compiledWith() []string {
	var f []string
	if sandbox.Available {
		f = append(f, "seccomp")
	}
	f = append(f, "oath", "radius")
	if pam.Available() {
		f = append(f, "PAM")
	}
	return append(f, "AnyConnect")
}

// writeVersion prints the --version text. The first line is what ocserv
// 1.1.6 prints, because scripts parse it.
func writeVersion(w io.Writer) {
	fmt.Fprintf(w, "ocserv %s\n", version.Compat)
	fmt.Fprintf(w, "ocserv-go %s (%s)\n", version.Build, runtime.Version())
	fmt.Fprintln(w)
	if f := compiledWith(); len(f) > 0 {
		fmt.Fprintf(w, "Compiled with: %s\n", strings.Join(f, ", "))
	} else {
		fmt.Fprintln(w, "Compiled with:")
	}
	fmt.Fprintf(w, "TLS library: Go crypto/tls (%s)\n", runtime.Version())
}

// writeUsageHint prints the two lines ocserv prints after a config file
// error, naming the program as it was called.
func writeUsageHint(w io.Writer, prog string) {
	fmt.Fprintf(w, "Usage: %s -c [config]\n", prog)
	fmt.Fprintf(w, "Use %s --help for more information.\n", prog)
}
