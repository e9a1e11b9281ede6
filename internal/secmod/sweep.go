package secmod

import (
	"time"

	"github.com/ocserv-go/ocserv/internal/auth"
)

// LoginSweepInterval is how often pending logins are checked for a gone
// worker or an expired auth-timeout.
const LoginSweepInterval = time.Second

// sweepLogins ends the logins still in progress (SEC_AUTH_INIT or
// SEC_AUTH_CONT state) that hold a resource (auth.Blocking: a PAM
// conversation) and whose worker has exited, or that started more than
// auth-timeout ago: their module session is closed (a PAM conversation
// waiting for the client ends and frees its thread) and the entry is
// dropped, so a later SEC_AUTH_CONT for it fails. A worker whose client
// left exits, so this is how a vanished client's login ends. It returns
// how many logins it ended.
func (s *Server) sweepLogins() int {
	cfg := s.config()
	limit := time.Duration(cfg.AuthTimeout) * time.Second
	now := s.now()
	s.store.mu.Lock()
	var stale []*entry
	for _, e := range s.store.entries {
		if !pending(e.status) {
			continue
		}
		timedOut := limit > 0 && now.Sub(e.created) > limit
		if timedOut || (!e.owner.alive() && auth.HoldsResource(e.sess)) {
			stale = append(stale, e)
		}
	}
	for _, e := range stale {
		why := "its worker exited"
		if limit > 0 && now.Sub(e.created) > limit {
			why = "auth-timeout reached"
		}
		s.log.Infof("ending login of user '%s' (session: %s): %s", e.username, e.psid(), why)
		e.status = StatusFailed
		s.store.delLocked(e)
	}
	s.store.mu.Unlock()
	return len(stale)
}
