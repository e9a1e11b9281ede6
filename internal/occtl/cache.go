package occtl

import (
	"strconv"
	"strings"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

// cache remembers names, ids, addresses and session ids from earlier
// output for tab completion, as occtl does.
type cache struct {
	users    []string
	ids      []string
	ips      []string
	sessions []string
}

func (c *cache) clearUsers() { c.users, c.ids = nil, nil }

func (c *cache) addUser(name string, id int32) {
	c.users = appendNew(c.users, name)
	c.ids = appendNew(c.ids, strconv.Itoa(int(id)))
}

func (c *cache) addUsers(rep *ctlpb.UserListRep) {
	for _, u := range rep.GetUser() {
		c.addUser(orNone(s(u.Username)), u.GetId())
	}
}

func (c *cache) setSessions(rep *ctlpb.CookieListRep, all bool) {
	c.sessions = nil
	for _, ck := range rep.GetCookies() {
		if all || ck.GetStatus() == psCompleted {
			c.sessions = appendNew(c.sessions, shortID(ck.SafeId))
		}
	}
}

func appendNew(l []string, v string) []string {
	for _, e := range l {
		if e == v {
			return l
		}
	}
	return append(l, v)
}

// candidates returns the remembered values for an argument placeholder
// that start with prefix.
func (c *cache) candidates(arg, prefix string) []string {
	var src []string
	switch arg {
	case "[NAME]":
		src = c.users
	case "[ID]":
		src = c.ids
	case "[IP]":
		src = c.ips
	case "[SID]":
		src = c.sessions
	}
	var out []string
	for _, v := range src {
		if strings.HasPrefix(v, prefix) {
			out = append(out, v)
		}
	}
	return out
}
