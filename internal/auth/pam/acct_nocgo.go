//go:build !cgo

package pam

import "errors"

// AcctOpen fails: PAM needs libpam through cgo (see acct.go).
func AcctOpen(user string) error {
	return errors.New("PAM-acct: this build of ocserv has no PAM support (built without cgo)")
}
