package ipc

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// ErrUnknownCmd is returned (wrapped) for a command byte that is not in
// the catalogue.
var ErrUnknownCmd = errors.New("ipc: unknown command")

// NewMessage returns a new, empty message of the type that frames with
// command c carry. It returns (nil, nil) for commands whose body is empty
// (CMD_TERMINATE, CMD_SECM_LIST_COOKIES, CMD_SECM_RELOAD and its reply) and
// an error wrapping ErrUnknownCmd for unknown commands.
func NewMessage(c Cmd) (proto.Message, error) {
	switch c {
	case AuthCookieRep:
		return &ipcpb.AuthCookieReply{}, nil
	case AuthCookieReq:
		return &ipcpb.AuthCookieRequest{}, nil
	case ResumeStoreReq:
		return &ipcpb.SessionResumeStore{}, nil
	case ResumeDeleteReq, ResumeFetchReq:
		return &ipcpb.SessionResumeFetch{}, nil
	case ResumeFetchRep:
		return &ipcpb.SessionResumeReply{}, nil
	case CmdUDPFD:
		return &ipcpb.UdpFd{}, nil
	case CmdTunMTU:
		return &ipcpb.TunMtu{}, nil
	case CmdSessionInfo:
		return &ipcpb.SessionInfo{}, nil
	case CmdBanIP, CmdSecmBanIP:
		return &ipcpb.BanIp{}, nil
	case CmdBanIPReply, CmdSecmBanIPReply:
		return &ipcpb.BanIpReply{}, nil
	case CmdLatencyStatsDelta:
		return &ipcpb.LatencyStatsDelta{}, nil
	case CmdSecAuthInit:
		return &ipcpb.SecAuthInit{}, nil
	case CmdSecAuthCont:
		return &ipcpb.SecAuthCont{}, nil
	case CmdSecAuthReply:
		return &ipcpb.SecAuthReply{}, nil
	case CmdSecDecrypt, CmdSecSign, CmdSecSignData, CmdSecSignHash:
		return &ipcpb.SecOp{}, nil
	case CmdSecGetPK:
		return &ipcpb.SecGetPk{}, nil
	case CmdSecCliStats, CmdSecmCliStats:
		return &ipcpb.CliStats{}, nil
	case CmdSecmSessionOpen:
		return &ipcpb.SecmSessionOpen{}, nil
	case CmdSecmSessionClose:
		return &ipcpb.SecmSessionClose{}, nil
	case CmdSecmSessionReply:
		return &ipcpb.SecmSessionReply{}, nil
	case CmdSecmListCookiesReply:
		return &ipcpb.SecmListCookiesReply{}, nil
	case CmdSecmStats:
		return &ipcpb.SecmStats{}, nil
	case CmdTerminate, CmdSecmListCookies, CmdSecmReload, CmdSecmReloadReply:
		return nil, nil
	}
	return nil, fmt.Errorf("%w %s", ErrUnknownCmd, c)
}

// Decode parses body as the message type of command c (see NewMessage).
// For commands without a body it returns (nil, nil) when body is empty and
// an error otherwise. It never panics on malformed input.
func Decode(c Cmd, body []byte) (proto.Message, error) {
	m, err := NewMessage(c)
	if err != nil {
		return nil, err
	}
	if m == nil {
		if len(body) != 0 {
			return nil, fmt.Errorf("ipc: %s carries no body, got %d bytes", c, len(body))
		}
		return nil, nil
	}
	if err := proto.Unmarshal(body, m); err != nil {
		return nil, fmt.Errorf("ipc: decoding %s body: %w", c, err)
	}
	return m, nil
}
