package pam

import (
	"errors"
	"fmt"
	"math"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/auth/nss"
)

// Service is the PAM service name ocserv uses.
const Service = "ocserv"

// Logf receives the messages ocserv sends to syslog.
type Logf func(format string, args ...any)

// SystemGroupsLimit bounds the auto-select-group list of pam[gid-min=N]
// as ocserv 1.1.6 does: the first 128 groups of the enumeration with gid
// >= gid-min (its login form offers no more; tests/e2e/auth_nss_test.go
// compares). The byte bound (ours) keeps a directory with huge names from
// overflowing the workers' start-up message (ipc.MaxStartupFileSize).
var SystemGroupsLimit = nss.Limit{Count: 128, Bytes: 1 << 20}

// SystemGroups is the auto-select-group list of pam[gid-min=gidMin]: the
// names of the groups of the system group database (NSS: setgrent,
// getgrent_r, endgrent, so LDAP/SSSD groups are included) whose gid is
// >= gidMin, in enumeration order, as ocserv's unix_group_list. Beyond
// SystemGroupsLimit it returns the groups within it and an error
// wrapping nss.ErrLimit. It runs in main (the list main hands every
// worker) and in sec-mod (GroupList).
func SystemGroups(gidMin int) ([]string, error) {
	if gidMin < 0 {
		gidMin = 0
	}
	if int64(gidMin) > math.MaxUint32 {
		return nil, nil
	}
	gs, err := nss.Groups(uint32(gidMin), SystemGroupsLimit)
	if err != nil {
		return gs, fmt.Errorf("pam: group list: %w", err)
	}
	return gs, nil
}

// userGroup is the session group of a PAM user (ocserv's
// get_user_auth_group), read through NSS: with suggested empty, the name
// of the user's primary group ("" if it has none); otherwise suggested if
// it is one of the user's groups (primary or supplementary, getgrouplist)
// and auth.ErrNotMember if not. Unlike ocserv, a user or group list NSS
// cannot give refuses a suggested group instead of accepting it (fail
// closed).
func userGroup(user, suggested string, logf Logf) (string, error) {
	u, err := nss.LookupUser(user)
	if err != nil {
		if !errors.Is(err, nss.ErrNotFound) {
			logf("pam-auth: cannot look up user '%s': %v", user, err)
		}
		if suggested != "" {
			return "", auth.ErrNotMember
		}
		return "", nil
	}
	if suggested == "" {
		name, err := nss.GroupName(u.GID)
		if err != nil {
			return "", nil
		}
		return name, nil
	}
	gids, err := nss.UserGroups(user, u.GID)
	if err != nil {
		logf("pam-auth: cannot read the groups of '%s': %v", user, err)
		return "", auth.ErrNotMember
	}
	for _, gid := range gids {
		if name, err := nss.GroupName(gid); err == nil && name == suggested {
			return suggested, nil
		}
	}
	logf("user '%s' requested group '%s' but is not a member", user, suggested)
	return "", auth.ErrNotMember
}

// Available reports whether this build can run PAM (it needs cgo).
func Available() bool { return available }
