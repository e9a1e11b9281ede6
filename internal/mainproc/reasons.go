package mainproc

import "fmt"

// Disconnect reasons (ocserv's REASON_* from src/vpn.h).
const (
	reasonAny              = 1
	reasonUserDisconnect   = 2
	reasonServerDisconnect = 3
	reasonIdleTimeout      = 4
	reasonDPDTimeout       = 5
	reasonError            = 6
	reasonSessionTimeout   = 7
	reasonTempDisconnect   = 8
	reasonHealthProbe      = 9
)

// reasonText is ocserv's discon_reason_to_str.
func reasonText(r uint32) string {
	switch r {
	case 0, reasonAny:
		return "unspecified"
	case reasonUserDisconnect:
		return "user disconnected"
	case reasonTempDisconnect:
		return "anyconnect client disconnected"
	case reasonServerDisconnect:
		return "server disconnected"
	case reasonIdleTimeout:
		return "idle timeout"
	case reasonDPDTimeout:
		return "DPD timeout"
	case reasonError:
		return "unspecified error"
	case reasonSessionTimeout:
		return "session timeout"
	case reasonHealthProbe:
		return "TCP health probe"
	}
	return fmt.Sprintf("unknown (%d)", r)
}

// reasonIsDebug reports whether the disconnect of a session ending for r is
// logged at debug level only (ocserv: unspecified reasons and health
// probes), rather than info.
func reasonIsDebug(r uint32) bool {
	return r == 0 || r == reasonAny || r == reasonHealthProbe
}
