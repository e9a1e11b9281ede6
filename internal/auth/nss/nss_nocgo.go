//go:build !cgo

package nss

// Available reports whether this build reads NSS (it needs cgo).
const Available = false

// LookupUser fails: NSS needs cgo.
func LookupUser(name string) (User, error) { return User{}, ErrNoNSS }

// LookupGroup fails: NSS needs cgo.
func LookupGroup(name string) (uint32, error) { return 0, ErrNoNSS }

// GroupName fails: NSS needs cgo.
func GroupName(gid uint32) (string, error) { return "", ErrNoNSS }

// UserGroups fails: NSS needs cgo.
func UserGroups(user string, gid uint32) ([]uint32, error) { return nil, ErrNoNSS }

// Groups fails: NSS needs cgo.
func Groups(gidMin uint32, lim Limit) ([]string, error) { return nil, ErrNoNSS }
