package mainproc

import (
	"context"
	"os"
	"time"

	"github.com/ocserv-go/ocserv/internal/scriptenv"
)

// The host-update script (main process; ocserv's user_hostname_update):
// run once per session, not waited for, when the worker reports session
// info after the cookie step and the client gave a hostname. ocserv's
// worker sends its first SESSION_INFO right after the TLS handshake,
// before the cookie is known, so in practice the script runs after the
// first DTLS handshake and never for TCP-only sessions. Our worker also
// reports after CONNECT; main therefore only reacts to reports that carry
// a DTLS ciphersuite, which gives the same observable behaviour.

// maybeHostUpdate runs host-update-script for p when the report qualifies.
func (s *server) maybeHostUpdate(p *proc, dtls bool) {
	if !dtls {
		return
	}
	s.mu.Lock()
	run := p.state == stConnected && !p.hostUpdated && p.hostname != "" && p.cfg != nil
	if run {
		p.hostUpdated = true
	}
	var path string
	if run {
		path = p.cfg.HostUpdateScript
	}
	s.mu.Unlock()
	if path == "" {
		return
	}
	ss := s.scriptSession(p)
	env := scriptenv.Merge(os.Environ(), scriptenv.Env(scriptenv.HostUpdate, ss, "", s.now()))
	s.scripts.Add(1)
	go func() {
		defer s.scripts.Done()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		s.script(ctx, path, env)
	}()
}
