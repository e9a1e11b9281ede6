package secmod

import (
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// asyncWriteTimeout bounds one notice to main.
const asyncWriteTimeout = 5 * time.Second

// serveSync serves main's strict request/reply channel until EOF (main
// died or closed it: a clean exit) or a broken stream (an error).
func (s *Server) serveSync(c *net.UnixConn) error {
	for {
		f, err := ipc.Recv(c, ipc.MaxMsgSize, 0)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return nil
			}
			return fmt.Errorf("sec-mod: reading from main: %w", err)
		}
		f.Close()
		s.log.Debugf("main cmd [size=%d] %s", len(f.Body), f.Cmd)
		var (
			rcmd ipc.Cmd
			rep  proto.Message
		)
		switch f.Cmd {
		case ipc.CmdSecmSessionOpen:
			var req ipcpb.SecmSessionOpen
			if err := f.Unmarshal(&req); err != nil {
				s.log.Errorf("error unpacking session open: %v", err)
				rcmd, rep = ipc.CmdSecmSessionReply, failedSession()
				break
			}
			rcmd, rep = ipc.CmdSecmSessionReply, s.sessionOpen(&req)
		case ipc.CmdSecmSessionClose:
			var req ipcpb.SecmSessionClose
			if err := f.Unmarshal(&req); err != nil {
				s.log.Errorf("error unpacking session close: %v", err)
				rcmd, rep = ipc.CmdSecmCliStats, &ipcpb.CliStats{}
				break
			}
			rcmd, rep = ipc.CmdSecmCliStats, s.sessionClose(&req)
		case ipc.CmdSecmListCookies:
			rcmd, rep = ipc.CmdSecmListCookiesReply, s.listCookies()
		case ipc.CmdSecmReload:
			s.reload()
			rcmd = ipc.CmdSecmReloadReply
		default:
			s.log.Errorf("unknown command from main: %s", f.Cmd)
			continue
		}
		c.SetWriteDeadline(time.Now().Add(ipc.SecModTimeout))
		err = ipc.Send(c, rcmd, rep, -1)
		c.SetWriteDeadline(time.Time{})
		if err != nil {
			return fmt.Errorf("sec-mod: replying %s to main: %w", rcmd, err)
		}
	}
}

// serveAsync reads main's notices on the async channel
// (CMD_SECM_BAN_IP_REPLY) until EOF.
func (s *Server) serveAsync(c *net.UnixConn) {
	for {
		f, err := ipc.Recv(c, ipc.MaxMsgSize, 0)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				s.log.Errorf("reading the async channel: %v", err)
			}
			return
		}
		f.Close()
		if f.Cmd != ipc.CmdSecmBanIPReply {
			s.log.Errorf("unknown async command from main: %s", f.Cmd)
			continue
		}
		var rep ipcpb.BanIpReply
		if err := f.Unmarshal(&rep); err != nil {
			s.log.Errorf("error unpacking ban ip reply: %v", err)
			continue
		}
		s.banReply(&rep)
	}
}

// banReply is handle_sec_auth_ban_ip_reply: a banned address fails the
// login in progress.
func (s *Server) banReply(rep *ipcpb.BanIpReply) {
	if len(rep.GetSid()) != SIDSize {
		s.log.Errorf("ban IP reply but with illegal sid size (%d)!", len(rep.GetSid()))
		return
	}
	e := s.store.find(rep.GetSid())
	if e == nil {
		return
	}
	if rep.GetReply() != ipcpb.AuthRep_AUTH_OK {
		s.store.mu.Lock()
		e.status = StatusFailed
		s.store.mu.Unlock()
	}
}

// sendAsync writes one notice to main.
func (s *Server) sendAsync(cmd ipc.Cmd, m proto.Message) error {
	s.asyncMu.Lock()
	defer s.asyncMu.Unlock()
	if s.async == nil {
		return errNoAsync
	}
	s.async.SetWriteDeadline(time.Now().Add(asyncWriteTimeout))
	defer s.async.SetWriteDeadline(time.Time{})
	return ipc.Send(s.async, cmd, m, -1)
}

// maintenance drops expired cookies and reports statistics to main
// (sec-mod.c's SIGALRM handler).
func (s *Server) maintenance() {
	n := s.store.cleanup(s.now())
	if n > 0 {
		s.log.Debugf("expired %d client entries", n)
	}
	s.statsMu.Lock()
	st := &ipcpb.SecmStats{
		SecmodClientEntries: proto.Uint32(uint32(s.store.len())),
		SecmodTlsdbEntries:  proto.Uint32(0),
		SecmodAuthFailures:  proto.Uint64(s.authFailures),
	}
	if s.authCount > 0 {
		st.SecmodAvgAuthTime = proto.Uint32(uint32((s.authTimeSum / time.Duration(s.authCount)) / time.Second))
	} else {
		st.SecmodAvgAuthTime = proto.Uint32(0)
	}
	st.SecmodMaxAuthTime = proto.Uint32(uint32(s.authTimeMax / time.Second))
	s.authFailures, s.authCount, s.authTimeSum, s.authTimeMax = 0, 0, 0, 0
	s.statsMu.Unlock()
	if err := s.sendAsync(ipc.CmdSecmStats, st); err != nil {
		s.log.Debugf("error sending stats to main: %v", err)
	}
}
