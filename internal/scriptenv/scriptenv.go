// Package scriptenv builds the environment of ocserv's hook scripts
// (connect-script, host-update-script, disconnect-script) and runs them.
//
// It runs in the main process, which forks the scripts. It touches
// nothing but the child process it starts; the caller decides what an
// exit status means (a failed connect script refuses the login). It
// mirrors call_script and export_fw_info in ocserv's src/main-user.c.
// Names and formats are checked against env dumps of ocserv 1.1.6
// (testdata/ocserv-1.1.6, made by internal/lease/testdata/capture.sh).
package scriptenv

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/ocserv-go/ocserv/internal/authxml"
)

// MaxHostname is the longest client hostname kept: ocserv's
// MAX_HOSTNAME_SIZE buffer (64) less its NUL.
const MaxHostname = authxml.MaxName

// ValidHostname reports whether a client-advertised hostname (the
// X-CSTP-Hostname header) may be kept: 1 to MaxHostname bytes of ASCII
// letters, digits, '-' and '.', not starting with '-' (ocserv's
// valid_hostname). The worker checks it when the header arrives and main
// checks it again before the name reaches a root-run script, utmp or occtl:
// main does not trust what a worker reports.
func ValidHostname(s string) bool {
	if s == "" || len(s) > MaxHostname || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}

// SafeHostname returns s if ValidHostname accepts it, else "".
func SafeHostname(s string) string {
	if ValidHostname(s) {
		return s
	}
	return ""
}

// Reason is the REASON variable: which hook runs.
type Reason string

// The three hooks.
const (
	Connect    Reason = "connect"
	HostUpdate Reason = "host-update"
	Disconnect Reason = "disconnect"
)

// FirewallScript is the fixed path ocserv runs instead of the connect or
// disconnect script when the user is restricted to routes or ports.
const FirewallScript = "/usr/bin/ocserv-fw"

// Port is one restrict-user-to-ports entry.
type Port struct {
	// Proto is "tcp", "udp", "sctp", "icmp", "icmpv6" or "esp".
	Proto string
	// Port is the port number; ignored for icmp, icmpv6 and esp.
	Port uint16
}

// Session is what the scripts are told about one session.
type Session struct {
	ID        int    // worker PID (ID)
	Username  string // USERNAME
	Groupname string // GROUPNAME, exported even when empty
	Vhost     string // VHOST ("default" for the default vhost); unset if empty
	Device    string // tun device name (DEVICE)

	RemoteAddr netip.Addr // client's real address (IP_REAL); unset if invalid
	LocalAddr  netip.Addr // server address it reached (IP_REAL_LOCAL); unset if invalid

	IPv4Local  netip.Addr // server end of the IPv4 link (IP_LOCAL)
	IPv4Remote netip.Addr // client's VPN IPv4 (IP_REMOTE)
	IPv6Local  netip.Addr // server end of the IPv6 link (IPV6_LOCAL)
	IPv6Remote netip.Addr // client's VPN IPv6 (IPV6_REMOTE)
	IPv6Prefix int        // client's IPv6 block length (IPV6_PREFIX), set with IPv6Remote

	Hostname       string // client-advertised hostname (HOSTNAME, REMOTE_HOSTNAME); empty unless ValidHostname
	UserAgent      string // USER_AGENT
	DeviceType     string // DEVICE_TYPE
	DevicePlatform string // DEVICE_PLATFORM

	// Routes, NoRoutes and DNS are the user's effective lists as ocserv
	// stores them (IPv4 routes already in a.b.c.d/m.m.m.m form).
	Routes, NoRoutes, DNS []string
	RestrictToRoutes      bool   // OCSERV_RESTRICT_TO_ROUTES=1
	Ports                 []Port // restrict-user-to-ports
	DenyPorts             bool   // the port list was negated: !(...)

	BytesIn     uint64    // from the client, last reported (STATS_BYTES_IN)
	BytesOut    uint64    // to the client (STATS_BYTES_OUT)
	ConnectedAt time.Time // STATS_DURATION = now - ConnectedAt; unset if zero
}

// Resolve returns the program to execute for a hook and the value of
// OCSERV_NEXT_SCRIPT ("" for none). configured is the configured script
// path ("" if unset). For connect and disconnect, a user restricted to
// routes or ports gets FirewallScript with the configured script as next
// script, even when none is configured, as in ocserv. path == "" means
// nothing runs.
func Resolve(r Reason, configured string, s *Session) (path, next string) {
	if r != HostUpdate && (s.RestrictToRoutes || len(s.Ports) > 0) {
		return FirewallScript, configured
	}
	return configured, ""
}

// Env returns ocserv's variables for a hook as "NAME=value" strings, in
// the order ocserv sets them. now is used for STATS_DURATION; next is
// OCSERV_NEXT_SCRIPT ("" to leave it out). Merge them over the inherited
// environment with Merge.
func Env(r Reason, s *Session, next string, now time.Time) []string {
	var env []string
	set := func(k, v string) { env = append(env, k+"="+v) }

	set("ID", strconv.Itoa(s.ID))
	if s.RemoteAddr.IsValid() {
		set("IP_REAL", s.RemoteAddr.String())
	}
	if s.LocalAddr.IsValid() {
		set("IP_REAL_LOCAL", s.LocalAddr.String())
	}
	if s.IPv4Local.IsValid() {
		set("IP_LOCAL", s.IPv4Local.String())
	}
	if s.IPv6Local.IsValid() {
		set("IPV6_LOCAL", s.IPv6Local.String())
	}
	if s.IPv4Remote.IsValid() {
		set("IP_REMOTE", s.IPv4Remote.String())
	}
	if s.IPv6Remote.IsValid() {
		set("IPV6_REMOTE", s.IPv6Remote.String())
		set("IPV6_PREFIX", strconv.Itoa(s.IPv6Prefix))
	}
	if s.Vhost != "" {
		set("VHOST", s.Vhost)
	}
	set("USERNAME", s.Username)
	set("GROUPNAME", s.Groupname)
	host := SafeHostname(s.Hostname)
	set("HOSTNAME", host)
	set("REMOTE_HOSTNAME", host)
	set("DEVICE", s.Device)
	set("USER_AGENT", s.UserAgent)
	set("DEVICE_TYPE", s.DeviceType)
	set("DEVICE_PLATFORM", s.DevicePlatform)

	switch r {
	case Disconnect:
		set("STATS_BYTES_IN", strconv.FormatUint(s.BytesIn, 10))
		set("STATS_BYTES_OUT", strconv.FormatUint(s.BytesOut, 10))
		if !s.ConnectedAt.IsZero() {
			d := int64(now.Sub(s.ConnectedAt) / time.Second)
			if d < 0 {
				d = 0
			}
			set("STATS_DURATION", strconv.FormatInt(d, 10))
		}
		set("REASON", string(r))
	default:
		set("REASON", string(r))
	}

	env = appendLists(env, "OCSERV_ROUTES", s.Routes)
	env = appendLists(env, "OCSERV_NO_ROUTES", s.NoRoutes)
	if s.RestrictToRoutes {
		set("OCSERV_RESTRICT_TO_ROUTES", "1")
	}
	env = appendLists(env, "OCSERV_DNS", s.DNS)
	if p := PortList(s.Ports); p != "" {
		if s.DenyPorts {
			set("OCSERV_DENY_PORTS", p)
		} else {
			set("OCSERV_ALLOW_PORTS", p)
		}
	}
	if next != "" {
		set("OCSERV_NEXT_SCRIPT", next)
	}
	return env
}

// appendLists adds NAME4, NAME6 and NAME (each only when non-empty): the
// entries without a ':', those with one, and all, each followed by a space.
func appendLists(env []string, name string, items []string) []string {
	var all, v4, v6 strings.Builder
	for _, it := range items {
		all.WriteString(it + " ")
		if strings.Contains(it, ":") {
			v6.WriteString(it + " ")
		} else {
			v4.WriteString(it + " ")
		}
	}
	for _, kv := range [][2]string{{name + "4", v4.String()}, {name + "6", v6.String()}, {name, all.String()}} {
		if kv[1] != "" {
			env = append(env, kv[0]+"="+kv[1])
		}
	}
	return env
}

// PortList formats restrict-user-to-ports as ocserv exports it:
// "PROTO PORT " per entry, "PROTO all " for icmp, icmpv6 and esp.
// Unknown protocols are skipped.
func PortList(ports []Port) string {
	var b strings.Builder
	for _, p := range ports {
		switch p.Proto {
		case "tcp", "udp", "sctp":
			fmt.Fprintf(&b, "%s %d ", p.Proto, p.Port)
		case "icmp", "icmpv6", "esp":
			b.WriteString(p.Proto + " all ")
		}
	}
	return b.String()
}

// Merge returns base (normally os.Environ()) with vars laid over it: a
// variable in vars replaces one of the same name in base, everything else
// in base is kept, as ocserv's setenv in the forked child does.
func Merge(base, vars []string) []string {
	set := make(map[string]bool, len(vars))
	for _, kv := range vars {
		k, _, _ := strings.Cut(kv, "=")
		set[k] = true
	}
	out := make([]string, 0, len(base)+len(vars))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !set[k] {
			out = append(out, kv)
		}
	}
	return append(out, vars...)
}
