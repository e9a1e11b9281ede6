// Package auth defines the interface between sec-mod and its authentication
// modules (plain, and later certificate, PAM, RADIUS, GSSAPI, OTP).
//
// Process: it runs only in sec-mod (internal/secmod), the one process that
// checks passwords. It must never be linked into the worker. The package
// itself touches nothing; each module documents what it reads.
//
// It mirrors ocserv's struct auth_mod_st (src/auth/common.h, src/sec-mod.h):
// a module is initialised once per login (auth_init), then fed passwords
// (auth_pass) until it accepts or refuses, gives the prompt to show next
// (auth_msg), picks the session's group (auth_group), may rename the user
// (auth_user), and can list every group it knows (group_list, for
// auto-select-group).
package auth

import (
	"errors"

	"github.com/ocserv-go/ocserv/internal/authtype"
)

// Result is the outcome of one step of a login.
type Result int

const (
	// OK: the user is authenticated (ocserv's 0).
	OK Result = iota
	// Continue: more input is needed; show Session.Prompt (ERR_AUTH_CONTINUE).
	Continue
	// Failed: the login is refused (ERR_AUTH_FAIL).
	Failed
)

func (r Result) String() string {
	switch r {
	case OK:
		return "ok"
	case Continue:
		return "continue"
	case Failed:
		return "failed"
	}
	return "unknown"
}

// Bits of the worker's auth_type (ipcpb.AuthType, ocserv's AUTH_TYPE_*):
// the one table in internal/authtype, shared with the worker.
const (
	TypeUsernamePass = authtype.UsernamePass
	TypePAM          = authtype.PAM
	TypePlain        = authtype.Plain
	TypeCertificate  = authtype.Certificate
	TypeRadius       = authtype.Radius
	TypeGSSAPI       = authtype.GSSAPI
	TypeOIDC         = authtype.OIDC
)

// Default prompts (exact texts the client sees; see internal/authxml).
const (
	MsgPassword    = "Please enter your password."
	MsgLoginFailed = "Login failed.\nPlease enter your password."
	MsgOTP         = "Please enter your OTP password."
)

// MaxUsernameSize is ocserv's MAX_USERNAME_SIZE: names are kept in a buffer
// of this size, so at most MaxUsernameSize-1 bytes survive.
const MaxUsernameSize = 64

// MaxGroupnameSize is ocserv's MAX_GROUPNAME_SIZE (same truncation rule).
const MaxGroupnameSize = 64

// ErrNotMember is returned by Session.Group when the client asked for a
// group the user does not belong to.
var ErrNotMember = errors.New("user is not a member of the requested group")

// InitInfo is what a module learns when a login starts (common_auth_init_st).
type InitInfo struct {
	Username  string // as typed by the user (may be empty for certificate logins)
	IP        string // client address
	OurIP     string // server address the client reached
	UserAgent string
	ID        int // the worker's identifier (ocserv passes the pid), informational
}

// Prompt is what the next password form shows (passwd_msg_st).
type Prompt struct {
	// Msg is the text; empty means the worker's default
	// ("Please enter your password.").
	Msg string
	// Counter is passwd_counter: 0 for the first password input, N > 0 for
	// multi-stage challenges (the worker then labels the input PasswordN:).
	Counter uint32
}

// Module is one configured authentication method (a global_init'ed
// auth_mod_st). Implementations must be safe for concurrent use: sec-mod
// serves several logins at once.
type Module interface {
	// Name is the method name as in the configuration ("plain").
	Name() string
	// Type is the AuthType bit set the module satisfies.
	Type() uint32
	// AllowsRetries reports whether a wrong password is answered with a new
	// prompt (then each retry earns ban points).
	AllowsRetries() bool
	// Init starts a login. It returns the per-login session and Continue
	// (ask for a password), OK (no password needed) or Failed. A non-nil
	// error means the module could not work at all (the login fails).
	Init(info InitInfo) (Session, Result, error)
	// GroupList returns every group the module knows of (auto-select-group).
	GroupList() ([]string, error)
}

// Session is the module's state for one login.
// Blocking is implemented by sessions that hold a resource while they
// wait for the client (a PAM conversation pins an OS thread): sec-mod ends
// such a login as soon as its worker exits. Other logins stay listed as
// "authenticating" until auth-timeout, as in ocserv (a client may go on
// with its login on a new connection).
type Blocking interface {
	Blocking() bool
}

// HoldsResource reports whether s is a Blocking session that blocks.
func HoldsResource(s Session) bool {
	b, ok := s.(Blocking)
	return ok && b.Blocking()
}

type Session interface {
	// Pass checks one password (or OTP, or challenge response).
	Pass(password string) Result
	// Prompt returns the text and counter for the next form.
	Prompt() Prompt
	// Group returns the session's group: suggested when the user may use
	// it (ErrNotMember otherwise), or the user's default group ("" = none)
	// when suggested is empty.
	Group(suggested string) (string, error)
	// User returns a replacement user name and true when the module
	// renames the user after success (RADIUS, GSSAPI); plain returns false.
	User() (string, bool)
	// Close releases the session (auth_deinit).
	Close()
}

// Truncate cuts s to fit a C buffer of size bytes (strlcpy): at most size-1
// bytes are kept.
func Truncate(s string, size int) string {
	if size > 0 && len(s) > size-1 {
		return s[:size-1]
	}
	return s
}
