package config

import "fmt"

// compatDoc is where an administrator reads about the options ocserv-go
// does not apply (its section "Every ocserv 1.1.6 option").
const compatDoc = "docs/compat.md"

// UnimplementedUse is one option the configuration sets that ocserv-go
// reads but does not (fully) apply (OptionInfo.NotImplemented).
type UnimplementedUse struct {
	Option string // the option's name
	Vhost  string // "" for the global section, else the virtual host's name
	Reason string // OptionInfo.NotImplemented
}

// Warning is the start-up warning for u, in the style of ocserv's
// configuration warnings.
func (u UnimplementedUse) Warning() string {
	where := ""
	if u.Vhost != "" {
		where = "vhost:" + u.Vhost + ": "
	}
	return fmt.Sprintf("warning: %sthe option '%s' is not implemented by ocserv-go: %s (see %s)", where, u.Option, u.Reason, compatDoc)
}

// StartupWarnings returns one warning per not-implemented option that the
// configuration sets, in file order. The main process logs them when the
// server starts (not for -t, whose output matches ocserv's).
func (c *Config) StartupWarnings() []string {
	out := make([]string, 0, len(c.NotImplemented))
	for _, u := range c.NotImplemented {
		out = append(out, u.Warning())
	}
	return out
}

// noteUnimplemented keeps Config.NotImplemented up to date for one line of
// the main file: option name set to value in the section being read. A
// value with an effect in ocserv records the option (once per section); a
// value without one (e.g. try-mtu-discovery = false) removes an earlier
// record, as the last line wins. Global-only options inside a virtual host
// are ignored with ocserv's own warning and per-user-only options are
// unknown in the main file, so neither is recorded.
func (l *loader) noteUnimplemented(v *Vhost, name, value string) {
	o, ok := LookupOption(name)
	if !ok || o.NotImplemented() == "" {
		return
	}
	vhost, place := "", ScopeGlobal
	if !v.dflt {
		vhost, place = v.Name, ScopeVhost
	}
	if o.Scope&place == 0 {
		return
	}
	list := l.cfg.NotImplemented
	for i, u := range list {
		if u.Option == name && u.Vhost == vhost {
			if !o.warnsFor(place, value) {
				l.cfg.NotImplemented = append(list[:i:i], list[i+1:]...)
			}
			return
		}
	}
	if o.warnsFor(place, value) {
		l.cfg.NotImplemented = append(list, UnimplementedUse{Option: name, Vhost: vhost, Reason: o.NotImplemented()})
	}
}

// userFileWarning is the message logged when a per-user or per-group file
// sets an option ocserv-go does not apply to a value with an effect in
// ocserv ("" otherwise). It goes through the reader's Logf, with the
// other messages about these files (sec-mod: info level).
func userFileWarning(name, value, file string) string {
	o, ok := LookupOption(name)
	if !ok || o.Scope&ScopePerUser == 0 || !o.warnsFor(ScopePerUser, value) {
		return ""
	}
	return fmt.Sprintf("option '%s' in %s is not implemented by ocserv-go: %s (see %s)", name, file, o.NotImplemented(), compatDoc)
}
