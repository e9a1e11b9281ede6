// Package pam is sec-mod's "pam" authentication module (pam[gid-min=N]),
// built on github.com/msteinert/pam/v2 (cgo, libpam).
//
// Process: sec-mod only (never the worker, which is built without cgo). It
// runs the PAM service "ocserv" (/etc/pam.d/ocserv, as ocserv 1.1.6 does)
// for the user: pam_authenticate, then pam_acct_mgmt (an expired or locked
// account fails the login). It reads the system user and group databases
// through the C library's NSS (package nss: getpwnam_r, getgrouplist,
// getgrgid_r) for the session's group, and enumerates the NSS group
// database for the auto-select-group list (groups with gid >= gid-min).
// Without cgo the package builds, but New refuses to create the module.
//
// The PAM conversation spans HTTP rounds, as in ocserv: each PAM prompt
// (echo on or off) becomes one password form whose message is the prompt
// text, preceded by any informational or error text PAM sent before it;
// the answer posted by the client is the prompt's reply. The transaction
// runs in its own goroutine, which blocks in the conversation callback
// until the next Pass or until the session is closed or times out.
//
// Such a goroutine holds an OS thread (the callback runs inside libpam's
// call), so transactions are bounded (Limits, shared by all PAM modules of
// sec-mod: max-clients, at most HardMaxConcurrent; a login beyond it fails
// at once), a conversation waits for the client at most auth-timeout, and
// the thread ends with its transaction. sec-mod closes the session of a
// login whose worker exited (ocserv runs PAM in coroutines of its single
// thread, bounded by the workers main allows).
//go:build cgo

package pam

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	gopam "github.com/msteinert/pam/v2"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
)

// Module is the pam method.
type Module struct {
	gidMin  int
	logf    Logf
	service string
	lim     *Limits
}

// txn is the part of a PAM transaction the module uses (a
// *gopam.Transaction; tests put a fake conversation behind it).
type txn interface {
	Authenticate(gopam.Flags) error
	AcctMgmt(gopam.Flags) error
	End() error
}

// startTxn starts a transaction (pam_start) whose conversation is conv.
var startTxn = func(service, user string, conv func(gopam.Style, string) (string, error)) (txn, error) {
	return gopam.StartFunc(service, user, conv)
}

const available = true

// New returns the PAM module for opts (nil = defaults). lim bounds its
// transactions and should be shared by every PAM module of the process
// (nil = NewLimits(DefaultMaxConcurrent, DefaultTimeout) for this module
// alone). logf may be nil.
func New(opts *config.PAMOptions, lim *Limits, logf Logf) (*Module, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if lim == nil {
		lim = NewLimits(DefaultMaxConcurrent, DefaultTimeout)
	}
	m := &Module{logf: logf, service: Service, lim: lim}
	if opts != nil {
		m.gidMin = opts.GIDMin
	}
	return m, nil
}

// Name implements auth.Module.
func (m *Module) Name() string { return config.MethodPAM }

// Type implements auth.Module.
func (m *Module) Type() uint32 { return auth.TypePAM }

// AllowsRetries implements auth.Module: a failed PAM transaction ends the
// login.
func (m *Module) AllowsRetries() bool { return false }

// GroupList implements auth.Module: every system group with gid >= gid-min.
func (m *Module) GroupList() ([]string, error) {
	return SystemGroups(m.gidMin)
}

// Init implements auth.Module: it starts the PAM transaction and returns
// at its first prompt (Continue) or its end (OK/Failed).
func (m *Module) Init(info auth.InitInfo) (auth.Session, auth.Result, error) {
	if info.Username == "" {
		m.logf("pam-auth: no username present")
		return nil, auth.Failed, nil
	}
	if !m.lim.acquire() {
		m.logf("pam-auth: too many PAM logins in progress (%d); refusing user '%s'", m.lim.Max(), auth.Truncate(info.Username, auth.MaxUsernameSize))
		return nil, auth.Failed, nil
	}
	s := &session{m: m, user: auth.Truncate(info.Username, auth.MaxUsernameSize),
		prompts: make(chan string), replies: make(chan string), done: make(chan error, 1), quit: make(chan struct{})}
	go s.run()
	return s, s.wait(), nil
}

type session struct {
	m    *Module
	user string

	prompts chan string // conversation -> Pass/Init: next prompt
	replies chan string // Pass -> conversation: the answer
	done    chan error  // the transaction's end
	quit    chan struct{}
	once    sync.Once

	mu       sync.Mutex
	msg      string
	counter  uint32
	finished bool
	info     []string // text to show before the next prompt
}

// run is the PAM transaction; it holds one of the module's slots until
// libpam has returned.
func (s *session) run() {
	// The conversation callback runs inside libpam's call and pins this
	// OS thread while it waits for the client. Keep the goroutine locked
	// to it, so that the thread ends with the transaction instead of
	// joining the runtime's idle threads (sec-mod's thread count falls
	// back once the logins are over).
	runtime.LockOSThread()
	defer s.m.lim.release()
	t, err := startTxn(s.m.service, s.user, s.converse)
	if err != nil {
		s.done <- fmt.Errorf("pam_start: %w", err)
		return
	}
	defer t.End()
	if err := t.Authenticate(0); err != nil {
		s.done <- fmt.Errorf("pam_authenticate: %w", err)
		return
	}
	if err := t.AcctMgmt(0); err != nil {
		s.done <- fmt.Errorf("pam_acct_mgmt: %w", err)
		return
	}
	s.done <- nil
}

var errClosed = errors.New("login abandoned")

// converse is the PAM conversation function (runs in run's goroutine).
func (s *session) converse(style gopam.Style, msg string) (string, error) {
	switch style {
	case gopam.PromptEchoOff, gopam.PromptEchoOn:
		s.mu.Lock()
		text := strings.Join(append(s.info, msg), "\n")
		s.info = nil
		s.mu.Unlock()
		select {
		case s.prompts <- text:
		case <-s.quit:
			return "", errClosed
		}
		select {
		case r := <-s.replies:
			return r, nil
		case <-s.quit:
			return "", errClosed
		case <-time.After(s.m.lim.Timeout()):
			s.m.logf("pam-auth: no answer from the client of user '%s' within %v; ending the conversation", s.user, s.m.lim.Timeout())
			return "", errors.New("timeout waiting for the client")
		}
	case gopam.TextInfo, gopam.ErrorMsg:
		s.mu.Lock()
		s.info = append(s.info, strings.TrimRight(msg, "\n"))
		s.mu.Unlock()
		return "", nil
	}
	return "", fmt.Errorf("unsupported PAM conversation style %d", style)
}

// wait returns Continue at the next prompt, or the transaction's result.
func (s *session) wait() auth.Result {
	select {
	case p := <-s.prompts:
		s.mu.Lock()
		s.msg = p
		s.mu.Unlock()
		return auth.Continue
	case err := <-s.done:
		s.mu.Lock()
		s.finished = true
		s.mu.Unlock()
		if err != nil {
			s.m.logf("pam-auth: error authenticating user '%s': %v", s.user, err)
			return auth.Failed
		}
		return auth.OK
	case <-time.After(s.m.lim.Timeout()):
		s.m.logf("pam-auth: PAM did not answer for user '%s'", s.user)
		s.Close()
		return auth.Failed
	}
}

// Pass implements auth.Session: the answer to the current prompt.
func (s *session) Pass(password string) auth.Result {
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return auth.Failed
	}
	s.counter++
	s.mu.Unlock()
	select {
	case s.replies <- password:
	case <-s.quit:
		return auth.Failed
	case <-time.After(s.m.lim.Timeout()):
		return auth.Failed
	}
	return s.wait()
}

// Prompt implements auth.Session: the PAM prompt text. The counter is 0
// for the first prompt and counts the answers given so far after that.
func (s *session) Prompt() auth.Prompt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return auth.Prompt{Msg: s.msg, Counter: s.counter}
}

// Group implements auth.Session: a requested group must be one of the
// user's groups (primary or supplementary); the default is the primary
// group.
func (s *session) Group(suggested string) (string, error) {
	return userGroup(s.user, suggested, s.m.logf)
}

// User implements auth.Session: PAM does not rename users here.
func (s *session) User() (string, bool) { return "", false }

// Close implements auth.Session: it abandons a transaction still waiting
// for the client.
func (s *session) Close() { s.once.Do(func() { close(s.quit) }) }

// Blocking: a PAM conversation keeps its thread while it waits for the
// client (auth.Blocking), so sec-mod ends it when the worker exits.
func (s *session) Blocking() bool { return true }
