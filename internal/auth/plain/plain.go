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
// OTP files (plain[...,otp=FILE], liboath in ocserv) are not supported yet:
// New refuses such a configuration.
package plain

import (
	"errors"
	"fmt"
	"sync"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/passwd"
)

// MaxPasswordTries is ocserv's MAX_PASSWORD_TRIES.
const MaxPasswordTries = 3

// Logf receives the messages ocserv sends to syslog (LOG_AUTH).
type Logf func(format string, args ...any)

// Module is the plain method configured with one password file.
type Module struct {
	path string
	logf Logf
}

// New returns the plain module for opts. logf may be nil.
func New(opts *config.PlainOptions, logf Logf) (*Module, error) {
	if opts == nil || opts.Passwd == "" {
		return nil, errors.New("plain: no password file configured")
	}
	if opts.OTP != "" {
		return nil, fmt.Errorf("plain: OTP file %s is not supported by ocserv-go", opts.OTP)
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	return &Module{path: opts.Passwd, logf: logf}, nil
}

// Name implements auth.Module.
func (m *Module) Name() string { return config.MethodPlain }

// Type implements auth.Module.
func (m *Module) Type() uint32 { return auth.TypePlain }

// AllowsRetries implements auth.Module: wrong passwords are retried.
func (m *Module) AllowsRetries() bool { return true }

// GroupList implements auth.Module: every group of the file.
func (m *Module) GroupList() ([]string, error) {
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
		return s, auth.OK, nil
	}
	return s, auth.Continue, nil
}

type session struct {
	m       *Module
	user    string
	entry   passwd.Entry
	unknown bool

	mu      sync.Mutex
	retries int
	msg     string
}

func (s *session) Pass(password string) auth.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
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
