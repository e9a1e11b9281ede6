// Package authtype is the one table of ocserv's AUTH_TYPE_* bits: which
// bits each configured authentication method stands for. The worker
// sends them in SEC_AUTH_INIT (the alternative it selected) and sec-mod
// picks the enabled alternative that covers them (set_module), so both
// must read the same table.
//
// Process: shared by the worker (internal/worker) and sec-mod
// (internal/secmod, internal/auth). It holds no state and must stay free
// of sec-mod-only imports: the worker's dependency fence
// (cmd/ocserv-worker) forbids internal/auth and its sub-packages.
package authtype

import (
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// The AuthType bits (ipcpb.AuthType, ocserv's AUTH_TYPE_*).
const (
	UsernamePass = uint32(ipcpb.AuthType_AUTH_TYPE_USERNAME_PASS)
	PAM          = uint32(ipcpb.AuthType_AUTH_TYPE_PAM)
	Plain        = uint32(ipcpb.AuthType_AUTH_TYPE_PLAIN)
	Certificate  = uint32(ipcpb.AuthType_AUTH_TYPE_CERTIFICATE)
	Radius       = uint32(ipcpb.AuthType_AUTH_TYPE_RADIUS)
	GSSAPI       = uint32(ipcpb.AuthType_AUTH_TYPE_GSSAPI)
	OIDC         = uint32(ipcpb.AuthType_AUTH_TYPE_OIDC)
)

// byMethod maps a configured method name to its bits.
var byMethod = map[string]uint32{
	config.MethodPlain:       Plain,
	config.MethodPAM:         PAM,
	config.MethodRadius:      Radius,
	config.MethodCertificate: Certificate,
	config.MethodGSSAPI:      GSSAPI,
}

// Of returns the bits of one method name (0 for an unknown name).
func Of(name string) uint32 { return byMethod[name] }

// OfAlternative returns the bits of an enable-auth alternative: the union
// of its methods' bits.
func OfAlternative(a config.AuthMethod) uint32 {
	var t uint32
	for _, m := range a.Methods {
		t |= Of(m.Name)
	}
	return t
}
