package worker

import (
	"github.com/ocserv-go/ocserv/internal/authxml"
	"github.com/ocserv-go/ocserv/internal/config"
)

// autoSelectGroups is the auto-select-group list of the vhost: with
// auto-select-group set and a primary auth alternative backed by pam or
// plain, the group list main computed for that module
// (WorkerStartup.pam_auth_group_list / plain_auth_group_list). ok is
// false when select-group's list applies instead. As in ocserv the list
// replaces the select-group entries and carries no friendly names.
func (w *worker) autoSelectGroups() (gs []authxml.SelectGroup, ok bool) {
	if !w.vhost.AutoSelectGroup || len(w.vhost.Auth) == 0 {
		return nil, false
	}
	m := w.vhost.Auth[0].Module()
	if m == nil {
		return nil, false
	}
	var names []string
	switch m.Name {
	case config.MethodPAM:
		names = w.st.GetPamAuthGroupList()
	case config.MethodPlain:
		names = w.st.GetPlainAuthGroupList()
	case config.MethodGSSAPI:
		names = w.st.GetGssapiAuthGroupList()
	default:
		return nil, false
	}
	for _, n := range names {
		gs = append(gs, authxml.SelectGroup{Name: n})
	}
	return gs, true
}
