package main

import (
	"github.com/ocserv-go/ocserv/internal/auth/nss"
	"github.com/ocserv-go/ocserv/internal/config"
)

// init makes the configuration resolve run-as-user and run-as-group
// through libc's NSS (main at start-up and reload, sec-mod), also under
// the osusergo build tag: sites keep service accounts in LDAP or SSSD,
// and tests preload nss_wrapper. A build without cgo has no NSS and keeps
// config's default (os/user's pure-Go reader of /etc/passwd and
// /etc/group).
func init() {
	if nss.Available {
		config.SystemAccounts = nssAccounts
	}
}

// nssAccounts resolves names through internal/auth/nss.
var nssAccounts = config.Accounts{
	UserID: func(name string) (int, error) {
		u, err := nss.LookupUser(name)
		if err != nil {
			return -1, err
		}
		return int(u.UID), nil
	},
	GroupID: func(name string) (int, error) {
		gid, err := nss.LookupGroup(name)
		if err != nil {
			return -1, err
		}
		return int(gid), nil
	},
}
