package secmod

import (
	"github.com/ocserv-go/ocserv/internal/auth/pam"
	"github.com/ocserv-go/ocserv/internal/config"
)

// acctOpen runs the vhost's accounting method (acct = ...) at a session's
// first open, as handle_sec_auth_session_open does through the accounting
// module's open_session; an error denies the session. Only "pam" is
// implemented (pam_acct_mgmt, see pam.AcctOpen); ocserv's PAM accounting
// has no close_session step, so there is no acctClose. RADIUS accounting
// is in radius.go (Start, Interim-Update, Stop).
func (s *Server) acctOpen(v *config.Vhost, user string) error {
	if v == nil || v.Acct == nil || v.Acct.Name != config.MethodPAM {
		return nil
	}
	if user == "" {
		s.log.Noticef("PAM-acct: no username present")
		return errNoUser
	}
	if err := pam.AcctOpen(user); err != nil {
		s.log.Infof("%v", err)
		return err
	}
	return nil
}

type acctError string

func (e acctError) Error() string { return string(e) }

const errNoUser = acctError("PAM-acct: no username present")
