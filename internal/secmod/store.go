package secmod

import (
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/ocserv-go/ocserv/internal/auth"
)

// SIDSize is the size of a session id (= cookie), ocserv's SID_SIZE.
const SIDSize = 32

// AuthSlack is ocserv's AUTH_SLACK_TIME: a cookie lives cookie-timeout plus
// this long.
const AuthSlack = 15 * time.Second

// expiry is the end of a cookie's validity d after now. ocserv keeps it in
// whole seconds (exptime = time(0) + cookie-timeout + AUTH_SLACK_TIME)
// and a cookie not in use has expired once time(0) >= exptime: the end is
// counted from the start of now's second.
func expiry(now time.Time, d time.Duration) time.Time {
	return time.Unix(now.Unix(), 0).Add(d)
}

// expired is ocserv's time test of an unused entry (IS_CLIENT_ENTRY_EXPIRED).
func expired(now, exptime time.Time) bool { return !now.Before(exptime) }

// Status of a client entry (ocserv's PS_AUTH_*).
const (
	StatusInactive  = 0
	StatusInit      = 1
	StatusCont      = 2
	StatusCompleted = 3
	StatusFailed    = 4
)

// Disconnect reasons (ocserv's REASON_*), as reported by workers.
const (
	ReasonAny              = 1
	ReasonUserDisconnect   = 2
	ReasonServerDisconnect = 3
	ReasonIdleTimeout      = 4
	ReasonDPDTimeout       = 5
	ReasonError            = 6
	ReasonSessionTimeout   = 7
	ReasonTemporary        = 8
	ReasonHealthProbe      = 9
)

type stats struct {
	bytesIn, bytesOut uint64
	uptime            uint32
}

// entry is one client entry: an authentication in progress or an issued
// cookie (client_entry_st). Fields are guarded by store.mu; authMu
// serialises the auth steps of one login (module calls run without the
// store lock).
type entry struct {
	sid    [SIDSize]byte
	safeID string // base64(SHA-1(sid))

	status    int
	created   time.Time
	exptime   time.Time // meaningful while inUse == 0
	firstOpen time.Time // first SESSION_OPEN, for session-timeout
	inUse     int

	vhost       string
	username    string
	groupname   string
	remoteIP    string
	ourIP       string
	userAgent   string
	devPlatform string
	devType     string
	hostname    string
	tlsAuthOK   bool
	authType    uint32
	ipv4, ipv6  string       // tunnel addresses for accounting (session.go)
	pool4       netip.Prefix // pools main leases them from
	pool6       netip.Prefix
	sessionOpen bool

	stats, saved stats
	disconReason uint32

	owner peer // the worker acting on this entry (owner.go)

	authMu sync.Mutex
	module auth.Module
	sess   auth.Session
	start  time.Time // when authentication started (auth-time stats)
}

// psid is the short session string ocserv logs ("(session: XXXXXX)").
func (e *entry) psid() string {
	if len(e.safeID) > 6 {
		return e.safeID[:6]
	}
	return e.safeID
}

// SafeID returns ocserv's safe_id of a SID: base64 of its SHA-1, the session
// id occtl and RADIUS show.
func SafeID(sid []byte) string {
	h := sha1.Sum(sid)
	return base64.StdEncoding.EncodeToString(h[:])
}

// store is the client entry table (sec-mod-db.c).
type store struct {
	mu       sync.Mutex
	entries  map[[SIDSize]byte]*entry
	byPeer   map[peer][SIDSize]byte // worker -> the entry it owns (owner.go)
	instance byte
	onDel    func(*entry) // called with mu held before an entry is removed (RADIUS Stop)
}

func newStore(instance byte) *store {
	return &store{entries: make(map[[SIDSize]byte]*entry), byPeer: make(map[peer][SIDSize]byte), instance: instance}
}

// add creates an entry with a fresh unique SID (byte 0 = instance).
func (s *store) add(now time.Time) (*entry, error) {
	e := &entry{created: now, exptime: expiry(now, 0)}
	s.mu.Lock()
	defer s.mu.Unlock()
	for range 4 {
		if _, err := rand.Read(e.sid[:]); err != nil {
			return nil, fmt.Errorf("generating SID: %w", err)
		}
		e.sid[0] = s.instance
		if _, dup := s.entries[e.sid]; !dup {
			e.safeID = SafeID(e.sid[:])
			s.entries[e.sid] = e
			return e, nil
		}
	}
	return nil, fmt.Errorf("could not generate a unique SID")
}

// find returns the entry of sid, or nil.
func (s *store) find(sid []byte) *entry {
	if len(sid) != SIDSize {
		return nil
	}
	var k [SIDSize]byte
	copy(k[:], sid)
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.entries[k]
}

// del removes e; the caller must hold s.mu.
func (s *store) delLocked(e *entry) {
	if s.onDel != nil {
		s.onDel(e)
	}
	delete(s.entries, e.sid)
	s.releaseLocked(e)
	if e.sess != nil {
		e.sess.Close()
	}
}

func (s *store) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.entries)
}

// cleanup deletes entries that are not in use and whose expiry passed
// (cleanup_client_entries). It returns how many were removed.
func (s *store) cleanup(now time.Time) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, e := range s.entries {
		if e.inUse == 0 && expired(now, e.exptime) {
			s.delLocked(e)
			n++
		}
	}
	return n
}
