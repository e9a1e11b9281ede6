package occtl

import (
	"fmt"
	"io"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

// EventsHead renders the list show events starts with.
func (r *Renderer) EventsHead(w io.Writer, rep *ctlpb.UserListRep) {
	r.UserList(w, rep)
	io.WriteString(w, "\nPress 'q' or CTRL+C to quit\n\n")
}

// Event renders one TOP_UPDATE_REP.
func (r *Renderer) Event(w io.Writer, ev *ctlpb.TopUpdateRep) {
	if r.JSON {
		r.UserInfo(w, ev.GetUser())
		return
	}
	users := ev.GetUser().GetUser()
	if len(users) == 0 {
		return // occtl would crash; print nothing
	}
	u := users[0]
	if ev.GetConnected() != 0 {
		fmt.Fprintf(w, "%s: connected user '%s' (%d) from %s with IP %s\n",
			s(u.Vhost), s(u.Username), uint32(u.GetId()), s(u.Ip), vpnIP(u))
		return
	}
	reason := "unknown"
	if ev.DisconReasonTxt != nil {
		reason = s(ev.DisconReasonTxt)
	}
	fmt.Fprintf(w, "%s: disconnect user '%s' (%d) from %s with IP %s (reason: %s, time: %s)\n",
		s(u.Vhost), s(u.Username), uint32(u.GetId()), s(u.Ip), vpnIP(u), reason,
		r.clock().since(int64(u.GetConnTime())))
}
