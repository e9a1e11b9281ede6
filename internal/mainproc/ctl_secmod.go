package mainproc

import (
	"fmt"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// ListCookies asks sec-mod for its session (cookie) list
// (CMD_SECM_LIST_COOKIES), for occtl's "show sessions".
func (c *secmodClient) ListCookies() (*ipcpb.SecmListCookiesReply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var rep ipcpb.SecmListCookiesReply
	if err := ipc.Call(c.sync, ipc.CmdSecmListCookies, nil, ipc.CmdSecmListCookiesReply, &rep, ipc.SecModTimeout); err != nil {
		return nil, fmt.Errorf("sec-mod list cookies: %w", err)
	}
	return &rep, nil
}
