package secmod

import "fmt"

// Which worker may act on which client entry.
//
// A worker serves one client, so one login or one session at a time.
// sec-mod learns the worker's pid from SO_PEERCRED on each request and
// keeps, for each entry, the worker that last acted on it (owner), and for
// each worker the entry it acts on (store.byPeer). The rules:
//
//   - SEC_AUTH_INIT binds the worker to the new entry (a worker may start a
//     new login after a failed one; its old entry is then no longer its
//     own).
//   - SEC_AUTH_CONT may move a login to another worker (a client may post
//     its password on a new connection: the SID is the capability, as in
//     ocserv), but not to a worker that acts on another live entry.
//   - CMD_SEC_CLI_STATS may only come from the entry's owner; once main
//     opens the session for a new worker (SECM_SESSION_OPEN clears the
//     owner), the first worker to report that is not bound elsewhere
//     becomes it. An owner that has exited gives way.
//
// Anything else is refused: the connection is closed without an answer.

// errNotOwner is why a worker's request for an entry was refused.
type errNotOwner string

func (e errNotOwner) Error() string { return string(e) }

// claimLocked makes p the owner of e when the rules allow it. takeover
// allows moving e away from a live owner (SEC_AUTH_CONT). The caller holds
// s.mu.
func (s *store) claimLocked(e *entry, p peer, takeover bool) error {
	if p == (peer{}) {
		return errNotOwner("unknown worker")
	}
	if e.owner == p {
		return nil
	}
	if e.owner != (peer{}) && !takeover && e.owner.alive() {
		return errNotOwner(fmt.Sprintf("session belongs to worker %s, not %s", e.owner, p))
	}
	if sid, ok := s.byPeer[p]; ok && sid != e.sid {
		if other := s.entries[sid]; other != nil && other.owner == p {
			return errNotOwner(fmt.Sprintf("worker %s acts on another session", p))
		}
	}
	s.bindLocked(e, p)
	return nil
}

// bindLocked makes p the owner of e unconditionally (SEC_AUTH_INIT).
func (s *store) bindLocked(e *entry, p peer) {
	s.releaseLocked(e)
	e.owner = p
	if p != (peer{}) {
		s.byPeer[p] = e.sid
	}
}

// releaseLocked forgets e's owner (main opens the session for a new
// worker, or e goes away).
func (s *store) releaseLocked(e *entry) {
	if e.owner == (peer{}) {
		return
	}
	if sid, ok := s.byPeer[e.owner]; ok && sid == e.sid {
		delete(s.byPeer, e.owner)
	}
	e.owner = peer{}
}
