package config

import (
	"os/user"
	"strconv"
)

// osUserID is the default SystemAccounts.UserID (os/user).
func osUserID(name string) (int, error) {
	u, err := user.Lookup(name)
	if err != nil {
		return -1, err
	}
	return strconv.Atoi(u.Uid)
}

// osGroupID is the default SystemAccounts.GroupID (os/user).
func osGroupID(name string) (int, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return -1, err
	}
	return strconv.Atoi(g.Gid)
}
