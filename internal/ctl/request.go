package ctl

import (
	"errors"
	"fmt"
	"net/netip"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

// ErrUnknownCmd is returned (wrapped) by DecodeRequest for a command number
// that is not a request. ocserv logs it and closes without replying.
var ErrUnknownCmd = errors.New("ctl: unknown command")

// Request is a decoded occtl request. Only the field that belongs to Cmd
// is set.
type Request struct {
	Cmd      Cmd
	Username string     // USER_INFO, DISCONNECT_NAME
	ID       int32      // ID_INFO, DISCONNECT_ID
	IP       netip.Addr // UNBAN_IP (4 or 16 raw bytes; IPv4-mapped unmapped)
}

// DecodeRequest checks and decodes a request frame. Bodies larger than
// MaxRequest, unknown commands, bodies that are not valid for the command
// (including a missing required field) and stray bodies on commands that
// take none are refused.
func DecodeRequest(cmd Cmd, body []byte) (Request, error) {
	r := Request{Cmd: cmd}
	if len(body) > MaxRequest {
		return r, fmt.Errorf("ctl: %s body of %d bytes, limit %d", cmd, len(body), MaxRequest)
	}
	switch cmd {
	case CmdStatus, CmdReload, CmdStop, CmdList, CmdListBanned, CmdTop, CmdListCookies:
		// occtl sends these with an empty body; anything else is ignored,
		// as ocserv does.
		return r, nil
	case CmdUserInfo, CmdDisconnectName:
		var m ctlpb.UsernameReq
		if err := proto.Unmarshal(body, &m); err != nil {
			return r, fmt.Errorf("ctl: decoding %s: %w", cmd, err)
		}
		r.Username = m.GetUsername()
		return r, nil
	case CmdIDInfo, CmdDisconnectID:
		var m ctlpb.IdReq
		if err := proto.Unmarshal(body, &m); err != nil {
			return r, fmt.Errorf("ctl: decoding %s: %w", cmd, err)
		}
		r.ID = m.GetId()
		return r, nil
	case CmdUnbanIP:
		var m ctlpb.UnbanReq
		if err := proto.Unmarshal(body, &m); err != nil {
			return r, fmt.Errorf("ctl: decoding %s: %w", cmd, err)
		}
		a, ok := netip.AddrFromSlice(m.GetIp())
		if !ok {
			return r, fmt.Errorf("ctl: %s: address of %d bytes", cmd, len(m.GetIp()))
		}
		r.IP = a.Unmap()
		return r, nil
	}
	return r, fmt.Errorf("%w %d", ErrUnknownCmd, uint8(cmd))
}

// EncodeRequest builds the body of a request; Request's field for Cmd is
// used.
func EncodeRequest(r Request) ([]byte, error) {
	var m proto.Message
	switch r.Cmd {
	case CmdStatus, CmdReload, CmdStop, CmdList, CmdListBanned, CmdTop, CmdListCookies:
		return nil, nil
	case CmdUserInfo, CmdDisconnectName:
		m = &ctlpb.UsernameReq{Username: proto.String(r.Username)}
	case CmdIDInfo, CmdDisconnectID:
		m = &ctlpb.IdReq{Id: proto.Int32(r.ID)}
	case CmdUnbanIP:
		if !r.IP.IsValid() {
			return nil, fmt.Errorf("ctl: %s without an address", r.Cmd)
		}
		m = &ctlpb.UnbanReq{Ip: r.IP.AsSlice()}
	default:
		return nil, fmt.Errorf("%w %d", ErrUnknownCmd, uint8(r.Cmd))
	}
	b, err := proto.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("ctl: encoding %s: %w", r.Cmd, err)
	}
	return b, nil
}
