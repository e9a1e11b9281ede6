package mainproc

import (
	"syscall"
	"time"
)

// killAuthTimeout is ocserv's kill_children_auth_timeout, part of main's
// maintenance: a worker whose client has not completed authentication
// (no session opened with a valid cookie) auth-timeout seconds after its
// connection was accepted is sent SIGTERM. The worker's own auth-timeout
// normally ends it first; this is the backstop for a worker that hangs.
func (s *server) killAuthTimeout() {
	cfg := s.config()
	if cfg == nil || cfg.AuthTimeout <= 0 {
		return
	}
	oldest := s.now().Add(-time.Duration(cfg.AuthTimeout) * time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.procs {
		if p.state != stConnected && p.pid > 0 && p.connTime.Before(oldest) {
			p.logger(s.log).Debugf("worker did not authenticate within auth-timeout (%d s); terminating it", cfg.AuthTimeout)
			p.kill(syscall.SIGTERM)
		}
	}
}
