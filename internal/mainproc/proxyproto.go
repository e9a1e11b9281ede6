package mainproc

// listen-proxy-proto on main's side (ocserv's main.c accept path and the
// CMD_SESSION_INFO handler in main-worker-cmd.c):
//   - at accept the connection's peer is the proxy, so the ban check is
//     skipped (it is deferred, not dropped);
//   - the worker reads the PROXY header and reports the client's real
//     address and the address it connected to in CMD_SESSION_INFO right
//     after the TLS handshake; main replaces the proc's addresses with them
//     (occtl's Remote IP, the scripts' IP_REAL/IP_REAL_LOCAL, utmp, the UDP
//     session match) and then applies the ban check (with its connection
//     points) to the real address, killing the worker when it is banned.
//
// The sec-mod session keeps the proxy's address (the worker's auth-init
// carries it, as main signed it), as in ocserv 1.1.6.

import (
	"syscall"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// banAtAccept reports whether the accept-time ban check applies.
func banAtAccept(cfg *config.Config) bool { return cfg == nil || !cfg.ListenProxyProto }

// proxySessionInfo applies the PROXY-learnt addresses of a CMD_SESSION_INFO.
func (s *server) proxySessionInfo(p *proc, m *ipcpb.SessionInfo) {
	cfg := s.config()
	if cfg == nil || !cfg.ListenProxyProto {
		return
	}
	if m.RemoteAddr != nil {
		ra, ok := ipc.ParseSockaddr(m.RemoteAddr)
		if !ok {
			return
		}
		s.mu.Lock()
		p.remote = ra
		s.mu.Unlock()
		if s.ban.Check(ra.Addr(), cfg.BanPointsConnection) {
			p.logger(s.log).Infof("the proxied client address %s is banned; terminating its worker", ra.Addr())
			s.mu.Lock()
			p.kill(syscall.SIGTERM)
			s.mu.Unlock()
		}
	}
	if la, ok := ipc.ParseSockaddr(m.OurAddr); ok {
		s.mu.Lock()
		p.local = la
		s.mu.Unlock()
	}
}
