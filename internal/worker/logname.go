package worker

// logPrefix is the start of the worker's log lines, as ocserv's oclog
// (src/log.c) forms it: "worker: IP" before the user is known,
// "worker[user]: IP" after; with more than one vhost, "worker[vhost:NAME]: IP"
// before and "worker[vhost:NAME: user]: IP" after (the default vhost has
// no name in ocserv: "worker[vhost:default]: IP", then "worker[user]: IP").
func (w *worker) logPrefix() string {
	name := ""
	vhosts := w.cfg != nil && len(w.cfg.Vhosts) > 1
	named := vhosts && w.vhost != nil && w.cfg.Default() != w.vhost
	switch {
	case w.auth.username != "" && named:
		name = "[vhost:" + w.vhost.Name + ": " + w.auth.username + "]"
	case w.auth.username != "":
		name = "[" + w.auth.username + "]"
	case vhosts && w.vhost != nil:
		vn := w.vhost.Name
		if !named {
			vn = "default"
		}
		name = "[vhost:" + vn + "]"
	}
	return "worker" + name + ": " + w.remoteIP
}

// relog switches the logger's prefix to the current user and vhost.
func (w *worker) relog() { w.log = w.log.With(w.logPrefix()) }

// setUsername records the user name and switches the log prefix.
func (w *worker) setUsername(u string) {
	w.auth.username = u
	w.relog()
}
