//go:build cgo

package pam

import (
	"fmt"

	gopam "github.com/msteinert/pam/v2"
)

// AcctOpen is the accounting method acct = "pam" at a session's first
// open, as ocserv 1.1.6's PAM accounting does it: a PAM transaction on the
// "ocserv" service for user whose only step is pam_acct_mgmt (with
// PAM_DISALLOW_NULL_AUTHTOK) and whose conversation answers nothing. A
// non-nil error denies the session. ocserv's PAM accounting opens no PAM
// session (no pam_open_session / pam_close_session) and does nothing when
// the session closes; neither does this.
func AcctOpen(user string) error {
	t, err := gopam.StartFunc(Service, user, func(gopam.Style, string) (string, error) { return "", nil })
	if err != nil {
		return fmt.Errorf("PAM-acct init: %w", err)
	}
	defer t.End()
	if err := t.AcctMgmt(gopam.DisallowNullAuthtok); err != nil {
		return fmt.Errorf("PAM-acct account error: %w", err)
	}
	return nil
}
