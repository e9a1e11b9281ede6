package ipc

import "fmt"

// Cmd is the command byte of a frame; it says what the body holds.
// The numbers are those of ocserv's src/defs.h.
type Cmd uint8

// worker <-> main (the worker's cmd socket) and worker <-> sec-mod session
// resumption (architecture.md §5.1, §5.2).
const (
	AuthCookieRep        Cmd = 2  // main -> worker, ipcpb.AuthCookieReply (+ tun fd)
	AuthCookieReq        Cmd = 4  // worker -> main, ipcpb.AuthCookieRequest
	ResumeStoreReq       Cmd = 6  // worker -> sec-mod, ipcpb.SessionResumeStore
	ResumeDeleteReq      Cmd = 7  // worker -> sec-mod, ipcpb.SessionResumeFetch
	ResumeFetchReq       Cmd = 8  // worker -> sec-mod, ipcpb.SessionResumeFetch
	ResumeFetchRep       Cmd = 9  // sec-mod -> worker, ipcpb.SessionResumeReply
	CmdUDPFD             Cmd = 10 // main -> worker, ipcpb.UdpFd (+ UDP socket)
	CmdTunMTU            Cmd = 11 // worker -> main, ipcpb.TunMtu
	CmdTerminate         Cmd = 12 // main -> worker, empty
	CmdSessionInfo       Cmd = 13 // worker -> main, ipcpb.SessionInfo
	CmdBanIP             Cmd = 16 // worker -> main, ipcpb.BanIp
	CmdBanIPReply        Cmd = 17 // main -> worker, ipcpb.BanIpReply
	CmdLatencyStatsDelta Cmd = 18 // worker -> main, ipcpb.LatencyStatsDelta
)

// worker <-> sec-mod (architecture.md §5.2).
const (
	CmdSecAuthInit  Cmd = 120 // ipcpb.SecAuthInit
	CmdSecAuthCont  Cmd = 121 // ipcpb.SecAuthCont
	CmdSecAuthReply Cmd = 122 // ipcpb.SecAuthReply
	CmdSecDecrypt   Cmd = 123 // ipcpb.SecOp, reply likewise
	CmdSecSign      Cmd = 124 // ipcpb.SecOp, raw (MD5+SHA1) RSA signature
	CmdSecSignData  Cmd = 125 // ipcpb.SecOp, sign a whole message
	CmdSecSignHash  Cmd = 126 // ipcpb.SecOp, sign a digest
	CmdSecGetPK     Cmd = 127 // ipcpb.SecGetPk
	CmdSecCliStats  Cmd = 128 // ipcpb.CliStats
)

// main <-> sec-mod (architecture.md §5.3).
const (
	CmdSecmSessionOpen      Cmd = 240 // sync, ipcpb.SecmSessionOpen
	CmdSecmSessionClose     Cmd = 241 // sync, ipcpb.SecmSessionClose
	CmdSecmSessionReply     Cmd = 242 // sync, ipcpb.SecmSessionReply
	CmdSecmBanIP            Cmd = 243 // async, ipcpb.BanIp
	CmdSecmBanIPReply       Cmd = 244 // async, ipcpb.BanIpReply
	CmdSecmCliStats         Cmd = 245 // sync, ipcpb.CliStats
	CmdSecmListCookies      Cmd = 246 // sync, empty
	CmdSecmListCookiesReply Cmd = 247 // sync, ipcpb.SecmListCookiesReply
	CmdSecmStats            Cmd = 248 // async, ipcpb.SecmStats
	CmdSecmReload           Cmd = 249 // sync, empty
	CmdSecmReloadReply      Cmd = 250 // sync, empty
)

var cmdNames = map[Cmd]string{
	AuthCookieRep:           "AUTH_COOKIE_REP",
	AuthCookieReq:           "AUTH_COOKIE_REQ",
	ResumeStoreReq:          "RESUME_STORE_REQ",
	ResumeDeleteReq:         "RESUME_DELETE_REQ",
	ResumeFetchReq:          "RESUME_FETCH_REQ",
	ResumeFetchRep:          "RESUME_FETCH_REP",
	CmdUDPFD:                "CMD_UDP_FD",
	CmdTunMTU:               "CMD_TUN_MTU",
	CmdTerminate:            "CMD_TERMINATE",
	CmdSessionInfo:          "CMD_SESSION_INFO",
	CmdBanIP:                "CMD_BAN_IP",
	CmdBanIPReply:           "CMD_BAN_IP_REPLY",
	CmdLatencyStatsDelta:    "CMD_LATENCY_STATS_DELTA",
	CmdSecAuthInit:          "CMD_SEC_AUTH_INIT",
	CmdSecAuthCont:          "CMD_SEC_AUTH_CONT",
	CmdSecAuthReply:         "CMD_SEC_AUTH_REPLY",
	CmdSecDecrypt:           "CMD_SEC_DECRYPT",
	CmdSecSign:              "CMD_SEC_SIGN",
	CmdSecSignData:          "CMD_SEC_SIGN_DATA",
	CmdSecSignHash:          "CMD_SEC_SIGN_HASH",
	CmdSecGetPK:             "CMD_SEC_GET_PK",
	CmdSecCliStats:          "CMD_SEC_CLI_STATS",
	CmdSecmSessionOpen:      "CMD_SECM_SESSION_OPEN",
	CmdSecmSessionClose:     "CMD_SECM_SESSION_CLOSE",
	CmdSecmSessionReply:     "CMD_SECM_SESSION_REPLY",
	CmdSecmBanIP:            "CMD_SECM_BAN_IP",
	CmdSecmBanIPReply:       "CMD_SECM_BAN_IP_REPLY",
	CmdSecmCliStats:         "CMD_SECM_CLI_STATS",
	CmdSecmListCookies:      "CMD_SECM_LIST_COOKIES",
	CmdSecmListCookiesReply: "CMD_SECM_LIST_COOKIES_REPLY",
	CmdSecmStats:            "CMD_SECM_STATS",
	CmdSecmReload:           "CMD_SECM_RELOAD",
	CmdSecmReloadReply:      "CMD_SECM_RELOAD_REPLY",
}

// String returns ocserv's name for the command (as in its logs), or
// "CMD_UNKNOWN(n)".
func (c Cmd) String() string {
	if s, ok := cmdNames[c]; ok {
		return s
	}
	return fmt.Sprintf("CMD_UNKNOWN(%d)", uint8(c))
}

// Known reports whether c is one of the commands above.
func (c Cmd) Known() bool {
	_, ok := cmdNames[c]
	return ok
}

// IsKeyOp reports whether c is a private-key operation served by sec-mod
// (CMD_SEC_DECRYPT, CMD_SEC_SIGN, CMD_SEC_SIGN_DATA, CMD_SEC_SIGN_HASH).
func (c Cmd) IsKeyOp() bool {
	return c >= CmdSecDecrypt && c <= CmdSecSignHash
}
