package secmod

import (
	"errors"
	"net"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/signer"
)

// serveWorkers accepts worker connections until ln is closed; each
// connection carries one request (sec-mod.c's accept loop).
func (s *Server) serveWorkers(ln *net.UnixListener) error {
	sem := make(chan struct{}, maxWorkerConns)
	backoff := 5 * time.Millisecond
	for {
		c, err := ln.AcceptUnix()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return nil
			}
			s.log.Errorf("error accepting worker connection: %v", err)
			time.Sleep(backoff)
			if backoff < time.Second {
				backoff *= 2
			}
			continue
		}
		backoff = 5 * time.Millisecond
		sem <- struct{}{}
		go func() {
			defer func() { <-sem }()
			s.serveWorkerConn(c)
		}()
	}
}

// serveWorkerConn serves the single request of one worker connection. Any
// malformed input only closes this connection.
func (s *Server) serveWorkerConn(c *net.UnixConn) {
	defer c.Close()
	cred, err := ipc.PeerCred(c)
	if err != nil {
		s.log.Errorf("error getting peer credentials: %v", err)
		return
	}
	if !s.credOK(cred) {
		s.log.Errorf("received request from pid %d and uid %d; rejecting", cred.PID, cred.UID)
		return
	}
	f, err := ipc.Recv(c, ipc.MaxMsgSize, workerReadTimeout)
	if err != nil {
		s.log.Debugf("error receiving message from worker: %v", err)
		return
	}
	f.Close() // workers never pass descriptors to sec-mod
	s.log.Debugf("cmd [size=%d] %s", len(f.Body), f.Cmd)
	from := peerOf(cred.PID)

	if f.Cmd.IsKeyOp() {
		if err := signer.ServeFrame(c, keySource{s}, f.Cmd, f.Body, workerReadTimeout); err != nil {
			s.log.Infof("error in crypto operation %s: %v", f.Cmd, err)
		}
		return
	}
	switch f.Cmd {
	case ipc.CmdSecAuthInit:
		var req ipcpb.SecAuthInit
		if err := f.Unmarshal(&req); err != nil {
			s.log.Errorf("error unpacking auth init: %v", err)
			return
		}
		s.reply(c, ipc.CmdSecAuthReply, s.authInit(&req, from))
	case ipc.CmdSecAuthCont:
		var req ipcpb.SecAuthCont
		if err := f.Unmarshal(&req); err != nil {
			s.log.Errorf("error unpacking auth cont: %v", err)
			return
		}
		if rep := s.authCont(&req, from); rep != nil {
			s.reply(c, ipc.CmdSecAuthReply, rep)
		}
	case ipc.CmdSecCliStats:
		var req ipcpb.CliStats
		if err := f.Unmarshal(&req); err != nil {
			s.log.Errorf("error unpacking cli stats: %v", err)
			return
		}
		s.cliStats(&req, from)
		// No reply: closing the connection tells the worker we are done.
	case ipc.ResumeFetchReq:
		s.reply(c, ipc.ResumeFetchRep, &ipcpb.SessionResumeReply{
			Reply: ipcpb.SessionResumeReply_RESUME_FAILED.Enum(),
		})
	case ipc.ResumeStoreReq, ipc.ResumeDeleteReq:
		// No TLS session cache (see the package doc).
	default:
		s.log.Errorf("unknown command from worker: %s", f.Cmd)
	}
}

// reply sends one answer to a worker within workerReadTimeout.
func (s *Server) reply(c *net.UnixConn, cmd ipc.Cmd, m proto.Message) {
	c.SetWriteDeadline(time.Now().Add(workerReadTimeout))
	if err := ipc.Send(c, cmd, m, -1); err != nil {
		s.log.Errorf("error sending %s to worker: %v", cmd, err)
	}
}
