package cstp

// DisconnectKind classifies a DISCONNECT packet received from the client
// (protocol.md §5, pitfalls.md 4).
type DisconnectKind int

const (
	// DisconnectTemporary: empty payload. AnyConnect's "temporary
	// disconnect"; the cookie stays valid.
	DisconnectTemporary DisconnectKind = iota
	// DisconnectUser: first payload byte 0xB0. The user quit; ocserv
	// invalidates the cookie.
	DisconnectUser
	// DisconnectInvalid: any other non-empty payload; ocserv treats it as a
	// protocol error (worker exits with reason "error").
	DisconnectInvalid
)

// ByeReasonCode is the first payload byte of a client's "user quit" bye.
const ByeReasonCode = 0xB0

// String names the kind.
func (k DisconnectKind) String() string {
	switch k {
	case DisconnectTemporary:
		return "temporary"
	case DisconnectUser:
		return "user"
	}
	return "invalid"
}

// ParseDisconnect classifies the payload of a DISCONNECT packet. For
// DisconnectUser, reason is the text after the 0xB0 byte (openconnect sends
// e.g. "Aborted by caller"); it is empty otherwise.
func ParseDisconnect(payload []byte) (kind DisconnectKind, reason string) {
	switch {
	case len(payload) == 0:
		return DisconnectTemporary, ""
	case payload[0] == ByeReasonCode:
		return DisconnectUser, string(payload[1:])
	}
	return DisconnectInvalid, ""
}

// AppendDPDResponse appends the reply to a DPD-REQ whose payload is req:
// the same bytes with the type changed to DPD-RESP (ocserv echoes the
// request byte for byte; a plain request gives 53 54 46 01 00 00 04 00).
func AppendDPDResponse(dst []byte, req []byte) ([]byte, error) {
	return Append(dst, TypeDPDResp, req)
}

// Kick returns the packet the server sends when it terminates a session
// (occtl disconnect, cookie taken over, shutdown): DISCONNECT with an empty
// payload, "STF\x01\x00\x00\x05\x00". ocserv never uses type 9 for this.
func Kick() []byte {
	return []byte{'S', 'T', 'F', 0x01, 0x00, 0x00, byte(TypeDisconnect), 0x00}
}

// DPDRequest returns an empty DPD-REQ packet, as the server sends after
// 2×DPD seconds of silence on TCP.
func DPDRequest() []byte {
	return []byte{'S', 'T', 'F', 0x01, 0x00, 0x00, byte(TypeDPDReq), 0x00}
}

// Keepalive returns an empty KEEPALIVE packet (sent by clients only).
func Keepalive() []byte {
	return []byte{'S', 'T', 'F', 0x01, 0x00, 0x00, byte(TypeKeepalive), 0x00}
}

// AppendBye appends a client "user quit" DISCONNECT: payload 0xB0 followed
// by reason, as openconnect sends on exit. Used by test clients.
func AppendBye(dst []byte, reason string) ([]byte, error) {
	p := make([]byte, 0, 1+len(reason))
	p = append(p, ByeReasonCode)
	p = append(p, reason...)
	return Append(dst, TypeDisconnect, p)
}
