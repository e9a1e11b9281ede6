package config

import "sort"

// Scope says where an option may appear.
type Scope uint8

const (
	// ScopeGlobal options are read in the global (default server) section.
	ScopeGlobal Scope = 1 << iota
	// ScopeVhost options may be overridden inside a [vhost:NAME] section.
	ScopeVhost
	// ScopePerUser options are accepted in config-per-user / config-per-group files.
	ScopePerUser
)

// OptionInfo describes one configuration key (config.md §5).
type OptionInfo struct {
	Name       string
	Multi      bool  // may be repeated; values accumulate
	Scope      Scope // ScopeGlobal, ScopeGlobal|ScopeVhost, ...|ScopePerUser, or ScopePerUser alone
	Reloadable bool  // false = read at start-up only (S in config.md)
}

// NotImplemented is empty when ocserv-go applies the option. Otherwise it
// says, in a few words, what ocserv 1.1.6 does with the option that
// ocserv-go does not (for some options only when a per-user or per-group
// file sets it): the server warns when such an option is set to a value
// that has an effect in ocserv (Config.NotImplemented at start-up, the
// per-user/group file reader at login), and docs/compat.md lists it.
func (o OptionInfo) NotImplemented() string { return notImplemented[o.Name].what }

const (
	sG  = ScopeGlobal
	sV  = ScopeGlobal | ScopeVhost
	sU  = ScopeGlobal | ScopeVhost | ScopePerUser
	sUo = ScopePerUser
)

var optionTable = []OptionInfo{
	// 5.1
	{"auth", true, sV, false},
	{"enable-auth", true, sV, false},
	{"acct", false, sV, false},
	{"cert-user-oid", false, sV, true},
	{"cert-group-oid", false, sV, true},
	{"ca-cert", false, sV, false},
	{"crl", false, sV, true},
	{"select-group", true, sV, true},
	{"default-select-group", false, sV, true},
	{"auto-select-group", false, sV, true},
	{"run-as-user", false, sG, false},
	{"run-as-group", false, sG, false},
	// 5.2
	{"listen-host", false, sG, false},
	{"udp-listen-host", false, sG, false},
	{"listen-host-is-dyndns", false, sV, true},
	{"listen-netns", false, sG, false},
	{"listen-proxy-proto", false, sG, true},
	{"tcp-port", false, sG, false},
	{"udp-port", false, sG, false},
	{"socket-file", false, sG, false},
	{"occtl-socket-file", false, sG, false},
	{"use-occtl", false, sG, true},
	{"chroot-dir", false, sG, false},
	{"pid-file", false, sG, false},
	{"sec-mod-scale", false, sG, false},
	{"server-stats-reset-time", false, sG, false},
	{"isolate-workers", false, sG, true},
	{"use-seccomp", false, sG, true},
	{"use-utmp", false, sG, true},
	{"use-dbus", false, sG, true},
	{"session-control", false, sV, true},
	{"listen-clear-file", false, sG, false},
	{"debug-no-secmod-stats", false, sV, false},
	{"log-level", false, sG, true},
	{"connect-script", false, sG, true},
	{"disconnect-script", false, sG, true},
	{"host-update-script", false, sG, true},
	// 5.3
	{"server-cert", true, sV, false},
	{"server-key", true, sV, false},
	{"dh-params", false, sV, false},
	{"pin-file", false, sV, false},
	{"srk-pin-file", false, sV, false},
	{"key-pin", false, sV, false},
	{"srk-pin", false, sV, false},
	{"ocsp-response", false, sV, true},
	{"tls-priorities", false, sV, true},
	{"cisco-client-compat", false, sV, true},
	{"always-require-cert", false, sV, true},
	{"dtls-legacy", false, sV, true},
	{"dtls-psk", false, sG, true},
	{"match-tls-dtls-ciphers", false, sV, true},
	{"client-bypass-protocol", false, sV, true},
	{"included-http-headers", true, sV, true},
	{"rekey-time", false, sV, true},
	{"rekey-method", false, sV, true},
	// 5.4
	{"max-clients", false, sG, true},
	{"max-same-clients", false, sU, true},
	{"rate-limit-ms", false, sG, true},
	{"server-drain-ms", false, sG, true},
	{"auth-timeout", false, sG, true},
	{"idle-timeout", false, sU, true},
	{"mobile-idle-timeout", false, sU, true},
	{"session-timeout", false, sU, true},
	{"cookie-timeout", false, sV, true},
	{"persistent-cookies", false, sV, true},
	{"deny-roaming", false, sU, true},
	{"keepalive", false, sU, true},
	{"dpd", false, sU, true},
	{"mobile-dpd", false, sU, true},
	{"switch-to-tcp-timeout", false, sV, true},
	{"min-reauth-time", false, sG, true},
	{"max-ban-score", false, sG, true},
	{"ban-reset-time", false, sG, true},
	{"ban-points-wrong-password", false, sG, true},
	{"ban-points-connection", false, sG, true},
	{"ban-points-kkdcp", false, sG, true},
	{"rx-data-per-sec", false, sU, true},
	{"tx-data-per-sec", false, sU, true},
	{"stats-report-time", false, sU, true},
	{"output-buffer", false, sV, true},
	{"try-mtu-discovery", false, sG, true},
	{"ping-leases", false, sG, true},
	// 5.5
	{"device", false, sG, true},
	{"ipv4-network", false, sU, true},
	{"ipv4-netmask", false, sU, true},
	{"ipv6-network", false, sU, true},
	{"ipv6-prefix", false, sV, true},
	{"ipv6-subnet-prefix", false, sU, true},
	{"predictable-ips", false, sV, true},
	{"explicit-ipv4", false, sUo, true},
	{"explicit-ipv6", false, sUo, true},
	{"mtu", false, sU, true},
	{"dns", true, sU, true},
	{"ipv4-dns", true, sU, true},
	{"ipv6-dns", true, sU, true},
	{"nbns", true, sU, true},
	{"ipv4-nbns", true, sU, true},
	{"ipv6-nbns", true, sU, true},
	{"default-domain", false, sV, true},
	{"split-dns", true, sU, true},
	{"tunnel-all-dns", false, sV, true},
	{"tunnel_all_dns", false, sUo, true},
	{"route", true, sU, true},
	{"no-route", true, sU, true},
	{"append-routes", false, sV, true},
	{"iroute", true, sUo, true},
	{"expose-iroutes", false, sV, true},
	{"route-add-cmd", false, sG, true},
	{"route-del-cmd", false, sG, true},
	{"restrict-user-to-routes", false, sU, true},
	{"restrict-user-to-ports", false, sU, true},
	{"net-priority", false, sU, true},
	{"cgroup", false, sU, true},
	{"no-udp", false, sUo, true},
	{"hostname", false, sUo, true},
	// 5.6
	{"config-per-user", false, sV, true},
	{"config-per-group", false, sV, true},
	{"default-user-config", false, sV, true},
	{"default-group-config", false, sV, true},
	// 5.7
	{"banner", false, sV, true},
	{"pre-login-banner", false, sV, true},
	{"user-profile", false, sU, true},
	{"custom-header", true, sV, true},
	{"proxy-url", false, sV, true},
	{"compression", false, sV, true},
	{"compression-algo-priority", true, sG, true},
	{"no-compress-limit", false, sV, true},
	{"kkdcp", true, sV, true},
}

// unimplemented is what ocserv-go lacks for one option.
type unimplemented struct {
	what string // what ocserv 1.1.6 does with the option that ocserv-go does not
	// where limits the warning to the places (ScopeGlobal, ScopeVhost,
	// ScopePerUser) where the option is not applied; 0 means everywhere.
	where Scope
	// inert, when not nil, reports values with which the option has no
	// effect in ocserv 1.1.6 either (e.g. a limit of 0): no warning then.
	inert func(value string) bool
}

// notImplemented is the one list of options that ocserv-go reads but does
// not (fully) apply. When an option gets implemented, delete its line here
// and update its row in docs/compat.md ("Every ocserv 1.1.6 option");
// TestCompatOptionTable checks that the two agree.
var notImplemented = map[string]unimplemented{
	"sec-mod-scale":         {"only one sec-mod instance runs", 0, func(v string) bool { return num(v) <= 1 }},
	"kkdcp":                 {"there is no KKDCP (Kerberos) proxy", 0, nil},
	"ban-points-kkdcp":      {"there is no KKDCP (Kerberos) proxy", 0, nil},
	"output-buffer":         {"the socket send buffers are not resized", 0, func(v string) bool { return num(v) <= 0 }},
	"included-http-headers": {"the headers are not sent", 0, nil},
	"ocsp-response":         {"no OCSP response is stapled", 0, nil},
	"dh-params":             {"Go's TLS has no DHE key exchange", 0, nil},
	"srk-pin":               {"TPM keys are not supported", 0, nil},
	"srk-pin-file":          {"TPM keys are not supported", 0, nil},
	"debug-no-secmod-stats": {"workers report their statistics to sec-mod anyway", 0, notTrue},
	"try-mtu-discovery":     {"only the path-MTU discovery flag of the UDP socket is set; the worker does no DPD-driven MTU search", 0, notTrue},
	"user-profile":          {"a per-user or per-group value is not served: the worker serves the vhost's file", ScopePerUser, nil},
}

// belowOneKB: ocserv stores bandwidth limits in units of 1000 bytes, so a
// value below 1000 means unlimited.
func belowOneKB(v string) bool { return int(int32(strtol(v, 10)))/1000 <= 0 }

func notTrue(v string) bool { return !isTrue(v) }

// warnsFor reports whether setting the option to value at place (the
// global section, a vhost, or a per-user/group file) makes ocserv-go warn:
// the option is not implemented there and value has an effect in ocserv.
func (o OptionInfo) warnsFor(place Scope, value string) bool {
	u, ok := notImplemented[o.Name]
	if !ok || (u.where != 0 && u.where&place == 0) {
		return false
	}
	return u.inert == nil || !u.inert(value)
}

var optionIndex = func() map[string]OptionInfo {
	m := make(map[string]OptionInfo, len(optionTable))
	for _, o := range optionTable {
		m[o.Name] = o
	}
	return m
}()

// LookupOption returns the metadata of the option called name (exact,
// case-sensitive, as ocserv matches keys).
func LookupOption(name string) (OptionInfo, bool) {
	o, ok := optionIndex[name]
	return o, ok
}

// AllOptions returns every known option, sorted by name.
func AllOptions() []OptionInfo {
	out := append([]OptionInfo(nil), optionTable...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
