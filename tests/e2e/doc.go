// Package e2e holds end-to-end tests: real openconnect clients against a
// server (the real ocserv or ocserv-go) in private network namespaces built
// by tests/rig. The tests need root; see tests/README.md.
package e2e
