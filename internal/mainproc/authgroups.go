package mainproc

import (
	"github.com/ocserv-go/ocserv/internal/auth/pam"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/passwd"
)

// authGroupLists computes the auto-select-group lists main hands every
// worker (WorkerStartup.pam_auth_group_list / plain_auth_group_list), as
// ocserv's configuration loading does at start-up and on reload: for each
// vhost with auto-select-group whose primary auth alternative is backed by
// plain or pam, that module's group list (plain: every group named in the
// password file; pam: every group of the system group database, read
// through the C library's NSS as ocserv's getgrent loop does, with gid >=
// gid-min, see pam.SystemGroups). The lists are per module type, not per
// vhost: a later vhost replaces an earlier one's list, as in ocserv. An
// unreadable file or database gives an empty list (as in ocserv), a
// partly read database the groups read.
func authGroupLists(cfg *config.Config) (pamGroups, plainGroups []string) {
	for _, v := range cfg.Vhosts {
		if !v.AutoSelectGroup || len(v.Auth) == 0 {
			continue
		}
		m := v.Auth[0].Module()
		if m == nil {
			continue
		}
		switch {
		case m.Name == config.MethodPlain && m.Plain != nil && m.Plain.Passwd != "":
			plainGroups, _ = passwd.AllGroups(m.Plain.Passwd)
		case m.Name == config.MethodPAM:
			gidMin := 0
			if m.PAM != nil {
				gidMin = m.PAM.GIDMin
			}
			pamGroups, _ = pam.SystemGroups(gidMin)
		}
	}
	return pamGroups, plainGroups
}
