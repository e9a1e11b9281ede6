// Package soak is the long-running reliability test of ocserv-go (`make
// soak`, not part of CI): connect/disconnect cycles and many concurrent
// sessions with traffic, against the real ocserv 1.1.6 and ours in the
// tests/rig namespace rig, recording main's and sec-mod's memory, file
// descriptors and threads over time and checking that every lease, tun
// device and worker is given back.
//
// The test (soak_test.go) carries the build tag `soak`, so `go test ./...`
// never builds it; scripts/soak.sh runs it with -tags soak and
// OCSERV_SOAK=1. Without OCSERV_SOAK=1 it skips; with it, every problem
// (not root, a missing program, a failed check) fails. docs/reliability.md
// describes the parameters and holds the results.
//
// The test process runs as root and starts the servers (main as root,
// sec-mod, workers as nobody) and openconnect clients in the rig's
// namespaces; nothing of it runs inside the servers.
package soak
