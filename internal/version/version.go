// Package version holds the version strings every ocserv-go binary prints.
//
// Compat is the ocserv release whose behaviour, options and wire protocol
// this implementation follows; scripts that parse "ocserv X.Y.Z" from
// `ocserv --version` see that number. Build identifies this build of
// ocserv-go and is set by the Makefile with -ldflags.
package version

// Compat is the ocserv version ocserv-go is compatible with.
const Compat = "1.1.6"

// Build is the ocserv-go build (git describe), set at link time.
var Build = "dev"
