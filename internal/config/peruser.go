package config

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// UserFile is what config-per-group / config-per-user files (or their
// default-*-config fallbacks) set for one session, before merging with the
// vhost. Pointer fields are nil when no file set them. List fields
// accumulate across the group file and then the user file.
type UserFile struct {
	Routes, NoRoutes, Iroutes []Route
	DNS, NBNS, SplitDNS       []string
	Ports                     []PortRule

	IPv4Network, IPv4Netmask, IPv6Network *string
	IPv6Prefix, IPv6SubnetPrefix          *int
	ExplicitIPv4, ExplicitIPv6            *string
	Hostname, CGroup, UserProfile         *string

	RxDataPerSec, TxDataPerSec *int // already divided by 1000
	StatsReportTime            *int
	SessionTimeout             *int
	IdleTimeout                *int
	MobileIdleTimeout          *int
	DPD, MobileDPD, Keepalive  *int
	MTU                        *int
	MaxSameClients             *int
	NetPriority                *NetPriority

	NoUDP, DenyRoaming, RestrictUserToRoutes, TunnelAllDNS *bool

	// Files lists the files that were read, in order.
	Files []string
}

// Logf receives the messages ocserv sends to syslog while reading
// per-user files.
type Logf func(format string, a ...any)

func ptr[T any](v T) *T { return &v }

// parseUserFile applies one file to u, like ocserv's parse_group_cfg_file.
// A syntax error is logged and the rest of that file is ignored (what was
// read before the bad line stays); a bad route fails the session.
func parseUserFile(u *UserFile, file string, logf Logf) error {
	data, err := os.ReadFile(file)
	if err != nil {
		logf("cannot load config file %s", file)
		return nil
	}
	u.Files = append(u.Files, file)
	var routes, noRoutes, iroutes []string
	n := Parse(data, func(section, name, raw string, _ int) bool {
		if section != "" {
			logf("skipping unknown section '%s' in %s", section, file)
			return true
		}
		value, ok := sanitizeValue(raw)
		if !ok {
			return true
		}
		if w := userFileWarning(name, value, file); w != "" {
			logf("%s", w)
		}
		switch name {
		case "no-udp":
			u.NoUDP = ptr(isTrue(value))
		case "restrict-user-to-routes":
			u.RestrictUserToRoutes = ptr(isTrue(value))
		case "tunnel_all_dns":
			u.TunnelAllDNS = ptr(isTrue(value))
		case "deny-roaming":
			u.DenyRoaming = ptr(isTrue(value))
		case "route":
			routes = append(routes, value)
		case "split-dns":
			u.SplitDNS = append(u.SplitDNS, value)
		case "no-route":
			noRoutes = append(noRoutes, value)
		case "iroute":
			iroutes = append(iroutes, value)
		case "dns", "ipv4-dns", "ipv6-dns":
			u.DNS = append(u.DNS, value)
		case "nbns", "ipv4-nbns", "ipv6-nbns":
			u.NBNS = append(u.NBNS, value)
		case "cgroup":
			u.CGroup = ptr(value)
		case "ipv4-network":
			net, mask, has := splitIPv4Network(value)
			u.IPv4Network = ptr(net)
			if has {
				u.IPv4Netmask = ptr(mask)
			}
		case "ipv4-netmask":
			u.IPv4Netmask = ptr(value)
		case "explicit-ipv4":
			u.ExplicitIPv4 = ptr(value)
		case "ipv6-network":
			net, prefix := extractPrefix(value)
			u.IPv6Network = ptr(net)
			if prefix != 0 {
				if !validIPv6Prefix(prefix) {
					logf("unknown ipv6-prefix '%d' in %s", prefix, file)
				}
				u.IPv6Prefix = ptr(prefix)
			}
		case "explicit-ipv6":
			u.ExplicitIPv6 = ptr(value)
		case "ipv6-subnet-prefix":
			u.IPv6SubnetPrefix = ptr(num(value))
		case "hostname":
			u.Hostname = ptr(value)
		case "rx-data-per-sec":
			u.RxDataPerSec = ptr(int(int32(strtol(value, 10))) / 1000)
		case "tx-data-per-sec":
			u.TxDataPerSec = ptr(int(int32(strtol(value, 10))) / 1000)
		case "stats-report-time":
			u.StatsReportTime = ptr(num(value))
		case "session-timeout":
			u.SessionTimeout = ptr(num(value))
		case "mtu":
			u.MTU = ptr(num(value))
		case "dpd":
			u.DPD = ptr(num(value))
		case "mobile-dpd":
			u.MobileDPD = ptr(num(value))
		case "idle-timeout":
			u.IdleTimeout = ptr(num(value))
		case "mobile-idle-timeout":
			u.MobileIdleTimeout = ptr(num(value))
		case "keepalive":
			u.Keepalive = ptr(num(value))
		case "max-same-clients":
			u.MaxSameClients = ptr(num(value))
		case "net-priority":
			u.NetPriority = ptr(parseNetPriority(value))
		case "user-profile":
			u.UserProfile = ptr(value)
		case "restrict-user-to-ports":
			rules, err := ParsePorts(value)
			u.Ports = append(u.Ports, rules...)
			if err != nil {
				logf("%s", err.Error())
				return false
			}
		default:
			logf("skipping unknown option '%s' in %s", name, file)
		}
		return true
	})
	// Lists gathered before a syntax error are kept, as in ocserv, where
	// the handler appends to the session message directly.
	for _, r := range routes {
		u.Routes = append(u.Routes, Route{Text: r})
	}
	for _, r := range noRoutes {
		u.NoRoutes = append(u.NoRoutes, Route{Text: r})
	}
	for _, r := range iroutes {
		u.Iroutes = append(u.Iroutes, Route{Text: r})
	}
	if n != 0 {
		logf("error in line %d of config file %s", n, file)
		return nil
	}
	for _, list := range [][]Route{u.Routes, u.Iroutes, u.NoRoutes} {
		for i := range list {
			fixed, err := CheckRoute(list[i].Text)
			if err != nil {
				logf("%s", err.Error())
				return fmt.Errorf("reading %s: %w", file, err)
			}
			list[i].Text = fixed
		}
	}
	return nil
}

func readable(path string) bool { return unix.Access(path, unix.R_OK) == nil }

// ReadUserFiles reads the group file (config-per-group/GROUP, else
// default-group-config; only when the vhost has config-per-group and group
// is not empty) and then the user file (config-per-user/USER, else
// default-user-config; only when the vhost has config-per-user), as
// ocserv's get_sup_config does. A nil logf discards the messages.
func ReadUserFiles(v *Vhost, username, group string, logf Logf) (*UserFile, error) {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	u := &UserFile{}
	read := func(dir, name, fallback string) error {
		file := dir + "/" + name
		if readable(file) {
			return parseUserFile(u, file, logf)
		}
		if fallback != "" {
			return parseUserFile(u, fallback, logf)
		}
		return nil
	}
	if v.ConfigPerGroup != "" && group != "" {
		if err := read(v.ConfigPerGroup, group, v.DefaultGroupConfig); err != nil {
			return nil, err
		}
	}
	if v.ConfigPerUser != "" {
		if err := read(v.ConfigPerUser, username, v.DefaultUserConfig); err != nil {
			return nil, err
		}
	}
	return u, nil
}

// Session is the effective per-session configuration: the vhost values
// overridden by the per-user/per-group files.
//
// Fallbacks: every scalar not set in a file keeps the vhost's value.
// Routes/NoRoutes set in a file replace the vhost's lists, or are followed
// by them when append-routes is on; DNS, NBNS, SplitDNS and the port list
// replace the vhost's lists when the files set any. Iroutes, ExplicitIPv4,
// ExplicitIPv6, Hostname and NoUDP exist only in the files.
type Session struct {
	Routes, NoRoutes, Iroutes []Route
	DNS, NBNS, SplitDNS       []string
	Ports                     []PortRule

	IPv4Network, IPv4Netmask, IPv6Network string
	IPv6Prefix, IPv6SubnetPrefix          int
	ExplicitIPv4, ExplicitIPv6            string
	Hostname, CGroup, UserProfile         string

	RxDataPerSec, TxDataPerSec int
	StatsReportTime            int
	SessionTimeout             int
	IdleTimeout                int
	MobileIdleTimeout          int
	DPD, MobileDPD, Keepalive  int
	MTU                        int
	MaxSameClients             int
	NetPriority                NetPriority

	NoUDP, DenyRoaming, RestrictUserToRoutes, TunnelAllDNS bool

	// FullTunnel is true when the route list is empty or contains
	// "default" or 0.0.0.0/0 (the worker then pushes no split routes).
	FullTunnel bool
}

// Merge combines the file settings with the vhost's values.
func (u *UserFile) Merge(v *Vhost) *Session {
	s := &Session{
		IPv4Network: v.IPv4Network, IPv4Netmask: v.IPv4Netmask, IPv6Network: v.IPv6Network,
		IPv6Prefix: v.IPv6Prefix, IPv6SubnetPrefix: v.IPv6SubnetPrefix,
		CGroup: v.CGroup, UserProfile: v.UserProfile,
		RxDataPerSec: v.RxDataPerSec, TxDataPerSec: v.TxDataPerSec,
		StatsReportTime: v.StatsReportTime, SessionTimeout: v.SessionTimeout,
		IdleTimeout: v.IdleTimeout, MobileIdleTimeout: v.MobileIdleTimeout,
		DPD: v.DPD, MobileDPD: v.MobileDPD, Keepalive: v.Keepalive, MTU: v.MTU,
		MaxSameClients: v.MaxSameClients, NetPriority: v.NetPriority,
		DenyRoaming: v.DenyRoaming, RestrictUserToRoutes: v.RestrictUserToRoutes,
		TunnelAllDNS: v.TunnelAllDNS,
	}
	setS := func(dst *string, p *string) {
		if p != nil {
			*dst = *p
		}
	}
	setI := func(dst *int, p *int) {
		if p != nil {
			*dst = *p
		}
	}
	setB := func(dst *bool, p *bool) {
		if p != nil {
			*dst = *p
		}
	}
	setS(&s.IPv4Network, u.IPv4Network)
	setS(&s.IPv4Netmask, u.IPv4Netmask)
	setS(&s.IPv6Network, u.IPv6Network)
	setI(&s.IPv6Prefix, u.IPv6Prefix)
	setI(&s.IPv6SubnetPrefix, u.IPv6SubnetPrefix)
	setS(&s.ExplicitIPv4, u.ExplicitIPv4)
	setS(&s.ExplicitIPv6, u.ExplicitIPv6)
	setS(&s.Hostname, u.Hostname)
	setS(&s.CGroup, u.CGroup)
	setS(&s.UserProfile, u.UserProfile)
	setI(&s.RxDataPerSec, u.RxDataPerSec)
	setI(&s.TxDataPerSec, u.TxDataPerSec)
	setI(&s.StatsReportTime, u.StatsReportTime)
	setI(&s.SessionTimeout, u.SessionTimeout)
	setI(&s.IdleTimeout, u.IdleTimeout)
	setI(&s.MobileIdleTimeout, u.MobileIdleTimeout)
	setI(&s.DPD, u.DPD)
	setI(&s.MobileDPD, u.MobileDPD)
	setI(&s.Keepalive, u.Keepalive)
	setI(&s.MTU, u.MTU)
	setI(&s.MaxSameClients, u.MaxSameClients)
	if u.NetPriority != nil {
		s.NetPriority = *u.NetPriority
	}
	setB(&s.NoUDP, u.NoUDP)
	setB(&s.DenyRoaming, u.DenyRoaming)
	setB(&s.RestrictUserToRoutes, u.RestrictUserToRoutes)
	setB(&s.TunnelAllDNS, u.TunnelAllDNS)

	listOr := func(file, global []string) []string {
		if len(file) > 0 {
			return append([]string(nil), file...)
		}
		return append([]string(nil), global...)
	}
	routes := func(file, global []Route) []Route {
		if len(file) == 0 {
			return append([]Route(nil), global...)
		}
		out := append([]Route(nil), file...)
		if v.AppendRoutes {
			out = append(out, global...)
		}
		return out
	}
	s.Routes = routes(u.Routes, v.Routes)
	s.NoRoutes = routes(u.NoRoutes, v.NoRoutes)
	s.Iroutes = append([]Route(nil), u.Iroutes...)
	s.DNS = listOr(u.DNS, v.DNS)
	s.NBNS = listOr(u.NBNS, v.NBNS)
	s.SplitDNS = listOr(u.SplitDNS, v.SplitDNS)
	if len(u.Ports) > 0 {
		s.Ports = append([]PortRule(nil), u.Ports...)
	} else {
		s.Ports = append([]PortRule(nil), v.RestrictUserToPorts...)
	}
	s.FullTunnel = len(s.Routes) == 0
	for _, r := range s.Routes {
		if r.Text == "default" || r.Text == "0.0.0.0/0" {
			s.FullTunnel = true
		}
	}
	return s
}

// SessionConfig reads the per-group and per-user files for a login and
// merges them with the vhost (ReadUserFiles + Merge).
func SessionConfig(v *Vhost, username, group string, logf Logf) (*Session, error) {
	u, err := ReadUserFiles(v, username, group, logf)
	if err != nil {
		return nil, err
	}
	return u.Merge(v), nil
}
