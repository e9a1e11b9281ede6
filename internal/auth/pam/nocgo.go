//go:build !cgo

package pam

import (
	"errors"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
)

const available = false

// New fails: PAM needs libpam through cgo, and this build has no cgo.
func New(opts *config.PAMOptions, lim *Limits, logf Logf) (auth.Module, error) {
	return nil, errors.New("pam: this build of ocserv has no PAM support (built without cgo)")
}
