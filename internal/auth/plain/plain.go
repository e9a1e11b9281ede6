// Package plain is sec-mod's "plain" authentication module: users, groups and
// crypt(3) hashes from an ocpasswd file.
//
// Process: sec-mod only (never the worker). It reads the password file named
// by auth = "plain[passwd=FILE]" at the start of every login (so ocpasswd
// edits apply at once) and for the auto-select-group list; nothing else.
//
// It mirrors ocserv's src/auth/plain.c: an unknown user is still asked for a
// password and refused after three tries (no user enumeration); a locked
// ('!') hash never matches; an empty hash logs in with no password prompt;
// a requested group must be one of the user's groups, otherwise the first
// group is used. Wrong passwords get "Login failed.\nPlease enter your
// password." until the third one fails the login. The prompt counter is
// always 0 (a single password input).
//
// With an OTP file (plain[...,otp=FILE], liboath's users file, see
// internal/otpfile) the module also reads and rewrites that file: a user
// with a password hash is asked for the password and then for the OTP
// ("Please enter your OTP password."); a user with an empty hash, and
// every user when no passwd= file is given, only for the OTP. A wrong,
// reused or unknown OTP fails the login at once (no retries).
package plain

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/otpfile"
	"github.com/ocserv-go/ocserv/internal/passwd"
)

// MaxPasswordTries is ocserv's MAX_PASSWORD_TRIES.
const MaxPasswordTries = 3

// Logf receives the messages ocserv sends to syslog (LOG_AUTH).
type Logf func(format string, args ...any)

// Module is the plain method configured with one password file.
type Module struct {
	path string // passwd file ("" = OTP only)
	otp  string // OTP users file ("" = none)
	logf Logf
	now  func() time.Time
}

// New returns the plain module for opts. logf may be nil.
func New(opts *config.PlainOptions, logf Logf) (*Module, error) {
	if opts == nil || (opts.Passwd == "" && opts.OTP == "") {
		return nil, errors.New("plain: no password or OTP file specified")
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Module{path: opts.Passwd, otp: opts.OTP, logf: logf, now: time.Now}, nil
}

// Name implements auth.Module.
func (m *Module) Name() string { return config.MethodPlain }

// Type implements auth.Module.
func (m *Module) Type() uint32 { return auth.TypePlain }

// AllowsRetries implements auth.Module: wrong passwords are retried.
func (m *Module) AllowsRetries() bool { return true }

// GroupList implements auth.Module: every group of the file.
func (m *Module) GroupList() ([]string, error) {
	if m.path == "" {
		return nil, nil
	}
	g, err := passwd.AllGroups(m.path)
	if err != nil {
		m.logf("error in plain authentication; cannot open: %s", m.path)
	}
	return g, err
}

// Init implements auth.Module: it reads the user's line.
func (m *Module) Init(info auth.InitInfo) (auth.Session, auth.Result, error) {
	if info.Username == "" {
		m.logf("plain-auth: no username present")
		return nil, auth.Failed, nil
	}
	s := &session{m: m, user: auth.Truncate(info.Username, auth.MaxUsernameSize)}
	if m.path == "" {
		s.otpOnly()
		return s, auth.Continue, nil
	}
	e, found, err := passwd.Lookup(m.path, s.user)
	if err != nil {
		m.logf("error in plain authentication; cannot open: %s", m.path)
		return nil, auth.Failed, fmt.Errorf("plain: %w", err)
	}
	if !found {
		s.unknown = true
		return s, auth.Continue, nil
	}
	s.entry = e
	if e.NoPassword {
		if m.otp != "" {
			s.otpOnly()
			return s, auth.Continue, nil
		}
		return s, auth.OK, nil
	}
	return s, auth.Continue, nil
}

type session struct {
	m       *Module
	user    string
	entry   passwd.Entry
	unknown bool

	mu       sync.Mutex
	retries  int
	msg      string
	otpStage bool // the next input is the OTP
}

// otpOnly makes the first (and only) input the OTP.
func (s *session) otpOnly() {
	s.otpStage = true
	s.msg = auth.MsgOTP
}

// checkOTP verifies an OTP against the users file (one try).
func (s *session) checkOTP(otp string) auth.Result {
	err := otpfile.Authenticate(s.m.otp, s.user, otp, otpfile.Window, s.m.now())
	if err != nil {
		s.m.logf("plain-auth: OTP auth failed for '%s': %v", s.user, err)
		return auth.Failed
	}
	return auth.OK
}

func (s *session) Pass(password string) auth.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.otpStage {
		return s.checkOTP(password)
	}
	ok := false
	if !s.unknown && !s.entry.NoPassword {
		var err error
		ok, err = passwd.Check(s.entry.Hash, password)
		if err != nil {
			s.m.logf("plain-auth: cannot check the hash of user '%s': %v", s.user, err)
			ok = false
		}
	}
	if !s.unknown && s.entry.NoPassword {
		s.m.logf("plain-auth: user '%s' has empty password and no OTP file configured", s.user)
		return auth.Failed
	}
	if ok {
		if s.m.otp != "" {
			s.otpStage = true
			s.msg = auth.MsgOTP
			return auth.Continue
		}
		return auth.OK
	}
	s.retries++
	if s.retries < MaxPasswordTries {
		s.msg = auth.MsgLoginFailed
		return auth.Continue
	}
	s.m.logf("plain-auth: error authenticating user '%s'", s.user)
	return auth.Failed
}

func (s *session) Prompt() auth.Prompt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return auth.Prompt{Msg: s.msg}
}

func (s *session) Group(suggested string) (string, error) {
	if suggested != "" {
		if s.unknown || !s.entry.HasGroup(suggested) {
			s.m.logf("user '%s' requested group '%s' but is not a member", s.user, suggested)
			return "", auth.ErrNotMember
		}
		return suggested, nil
	}
	if s.unknown {
		return "", nil
	}
	return s.entry.DefaultGroup(), nil
}

func (s *session) User() (string, bool) { return "", false }

func (s *session) Close() {}
