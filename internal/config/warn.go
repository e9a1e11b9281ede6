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

// noteUnimplemented records that the section being read sets option name,
// when ocserv-go does not apply it there. Global-only options inside a
// virtual host are ignored with ocserv's own warning and per-user-only
// options are unknown in the main file, so neither is recorded. Each
// option is recorded once per section.
func (l *loader) noteUnimplemented(v *Vhost, name string) {
	o, ok := LookupOption(name)
	if !ok || o.NotImplemented() == "" {
		return
	}
	vhost := ""
	if !v.dflt {
		vhost = v.Name
		if o.Scope&ScopeVhost == 0 {
			return
		}
	} else if o.Scope&ScopeGlobal == 0 {
		return
	}
	for _, u := range l.cfg.NotImplemented {
		if u.Option == name && u.Vhost == vhost {
			return
		}
	}
	l.cfg.NotImplemented = append(l.cfg.NotImplemented, UnimplementedUse{Option: name, Vhost: vhost, Reason: o.NotImplemented()})
}

// userFileWarning is the message logged when a per-user or per-group file
// sets an option ocserv-go does not apply ("" when it applies it).
func userFileWarning(name, file string) string {
	o, ok := LookupOption(name)
	if !ok || o.Scope&ScopePerUser == 0 || o.NotImplemented() == "" {
		return ""
	}
	return fmt.Sprintf("option '%s' in %s is not implemented by ocserv-go: %s (see %s)", name, file, o.NotImplemented(), compatDoc)
}
