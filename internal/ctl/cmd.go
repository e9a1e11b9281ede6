package ctl

import "fmt"

// Cmd is the command byte of a control frame. The numbers are ocserv's.
type Cmd uint8

// Requests, occtl -> main.
const (
	CmdStatus         Cmd = 1  // empty body
	CmdReload         Cmd = 2  // empty body
	CmdStop           Cmd = 3  // empty body
	CmdList           Cmd = 4  // empty body
	CmdUserInfo       Cmd = 5  // ctlpb.UsernameReq
	CmdIDInfo         Cmd = 6  // ctlpb.IdReq
	CmdDisconnectName Cmd = 7  // ctlpb.UsernameReq
	CmdDisconnectID   Cmd = 8  // ctlpb.IdReq
	CmdListBanned     Cmd = 9  // empty body
	CmdUnbanIP        Cmd = 10 // ctlpb.UnbanReq
	CmdTop            Cmd = 11 // empty body; the connection then streams
	CmdListCookies    Cmd = 12 // empty body
)

// Replies, main -> occtl.
const (
	CmdStatusRep         Cmd = 101 // ctlpb.StatusRep
	CmdReloadRep         Cmd = 102 // ctlpb.BoolMsg
	CmdStopRep           Cmd = 103 // ctlpb.BoolMsg
	CmdListRep           Cmd = 104 // ctlpb.UserListRep
	CmdDisconnectNameRep Cmd = 105 // ctlpb.BoolMsg
	CmdDisconnectIDRep   Cmd = 106 // ctlpb.BoolMsg
	CmdUnbanIPRep        Cmd = 107 // ctlpb.BoolMsg
	CmdListBannedRep     Cmd = 108 // ctlpb.BanListRep
	CmdTopUpdateRep      Cmd = 109 // ctlpb.TopUpdateRep
	CmdListCookiesRep    Cmd = 110 // ctlpb.CookieListRep
)

// Limits and defaults.
const (
	// MaxRequest is the largest request body main accepts (ocserv reads
	// requests into a 256-byte buffer).
	MaxRequest = 256
	// MaxReply bounds the reply bodies a client accepts.
	MaxReply = 64 << 20
	// DefaultSocket is ocserv's default occtl-socket-file.
	DefaultSocket = "/var/run/occtl.socket"
)

var cmdNames = map[Cmd]string{
	CmdStatus:            "CTL_CMD_STATUS",
	CmdReload:            "CTL_CMD_RELOAD",
	CmdStop:              "CTL_CMD_STOP",
	CmdList:              "CTL_CMD_LIST",
	CmdUserInfo:          "CTL_CMD_USER_INFO",
	CmdIDInfo:            "CTL_CMD_ID_INFO",
	CmdDisconnectName:    "CTL_CMD_DISCONNECT_NAME",
	CmdDisconnectID:      "CTL_CMD_DISCONNECT_ID",
	CmdListBanned:        "CTL_CMD_LIST_BANNED",
	CmdUnbanIP:           "CTL_CMD_UNBAN_IP",
	CmdTop:               "CTL_CMD_TOP",
	CmdListCookies:       "CTL_CMD_LIST_COOKIES",
	CmdStatusRep:         "CTL_CMD_STATUS_REP",
	CmdReloadRep:         "CTL_CMD_RELOAD_REP",
	CmdStopRep:           "CTL_CMD_STOP_REP",
	CmdListRep:           "CTL_CMD_LIST_REP",
	CmdDisconnectNameRep: "CTL_CMD_DISCONNECT_NAME_REP",
	CmdDisconnectIDRep:   "CTL_CMD_DISCONNECT_ID_REP",
	CmdUnbanIPRep:        "CTL_CMD_UNBAN_IP_REP",
	CmdListBannedRep:     "CTL_CMD_LIST_BANNED_REP",
	CmdTopUpdateRep:      "CTL_CMD_TOP_UPDATE_REP",
	CmdListCookiesRep:    "CTL_CMD_LIST_COOKIES_REP",
}

// String returns the command's name, or "CTL_CMD_UNKNOWN(n)".
func (c Cmd) String() string {
	if s, ok := cmdNames[c]; ok {
		return s
	}
	return fmt.Sprintf("CTL_CMD_UNKNOWN(%d)", uint8(c))
}

// IsRequest reports whether c is one of the request numbers 1-12.
func (c Cmd) IsRequest() bool { return c >= CmdStatus && c <= CmdListCookies }

// ReplyFor returns the reply number main answers request c with (for TOP,
// the first reply), and false for a number that is not a request.
func ReplyFor(c Cmd) (Cmd, bool) {
	switch c {
	case CmdStatus:
		return CmdStatusRep, true
	case CmdReload:
		return CmdReloadRep, true
	case CmdStop:
		return CmdStopRep, true
	case CmdList, CmdUserInfo, CmdIDInfo, CmdTop:
		return CmdListRep, true
	case CmdDisconnectName:
		return CmdDisconnectNameRep, true
	case CmdDisconnectID:
		return CmdDisconnectIDRep, true
	case CmdListBanned:
		return CmdListBannedRep, true
	case CmdUnbanIP:
		return CmdUnbanIPRep, true
	case CmdListCookies:
		return CmdListCookiesRep, true
	}
	return 0, false
}
