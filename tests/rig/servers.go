package rig

import (
	"os"
	"strings"
)

// ServerKind names a server under test: the real ocserv or ours.
type ServerKind string

const (
	RealServer ServerKind = "real"
	OurServer  ServerKind = "ours"
)

// ServersEnv picks the servers the side-by-side tests run: "real", "ours"
// or "real,ours" (the default when unset).
const ServersEnv = "OCSERV_E2E_SERVERS"

// WantServer reports whether ServersEnv selects kind.
func WantServer(kind ServerKind) bool {
	v := os.Getenv(ServersEnv)
	if v == "" {
		return true
	}
	for _, f := range strings.Split(v, ",") {
		if ServerKind(strings.TrimSpace(f)) == kind {
			return true
		}
	}
	return false
}

// SelectedServers lists the selected kinds, the real ocserv first.
func SelectedServers() []ServerKind {
	var ks []ServerKind
	for _, k := range []ServerKind{RealServer, OurServer} {
		if WantServer(k) {
			ks = append(ks, k)
		}
	}
	return ks
}
