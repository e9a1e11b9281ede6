package ctl

import (
	"crypto/sha1"
	"encoding/base64"
)

// Session states carried in UserInfoRep.status and CookieInfo.status
// (ocserv's PS_AUTH_*).
const (
	StatusInactive  = 0 // connected, not yet authenticating
	StatusFailed    = 1
	StatusInit      = 2 // authenticating
	StatusCont      = 3 // authenticating
	StatusCompleted = 4 // authenticated
)

// TOP event kinds (TopUpdateRep.connected).
const (
	EventDisconnect = 0
	EventConnect    = 1
)

// SafeID is the value occtl shows instead of a session id (cookie): the
// standard base64 (with padding) of SHA-1 over the id, 28 bytes.
func SafeID(sid []byte) []byte {
	sum := sha1.Sum(sid)
	out := make([]byte, base64.StdEncoding.EncodedLen(len(sum)))
	base64.StdEncoding.Encode(out, sum[:])
	return out
}
