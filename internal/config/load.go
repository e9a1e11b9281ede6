package config

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// loader carries the state of one Load call (ocserv's ini_ctx_st plus the
// static pid_file).
type loader struct {
	cfg     *Config
	o       LoadOptions
	w       io.Writer
	lineMsg string // error text printed before "config file error in line N"
	exitMsg string // error printed by a handler that exits directly
}

func (l *loader) printf(format string, a ...any) {
	fmt.Fprintf(l.w, format+"\n", a...)
}

func vhostPrefix(v *Vhost) string {
	if v.dflt {
		return ""
	}
	return "vhost:" + v.Name + ": "
}

// Load reads and checks the main config file the way ocserv 1.1.6 main
// does at start-up. Errors are *Error.
func Load(path string, o LoadOptions) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &Error{Msg: "error: cannot load config file " + path, ExitCode: 1}
	}
	return LoadBytes(data, o)
}

// LoadBytes is Load on the text of a config file.
func LoadBytes(data []byte, o LoadOptions) (*Config, error) {
	l := &loader{cfg: newConfig(), o: o, w: o.Stderr}
	if l.w == nil {
		l.w = io.Discard
	}
	l.cfg.PidFile = o.PidFile
	if n := Parse(data, l.handle); n != 0 {
		if l.exitMsg != "" {
			return nil, &Error{Msg: l.exitMsg, ExitCode: 1}
		}
		msg := fmt.Sprintf("error: config file error in line %d", n)
		if l.lineMsg != "" {
			msg = l.lineMsg + "\n" + msg
		}
		return nil, &Error{Msg: msg, ExitCode: 1}
	}
	for _, v := range l.cfg.Vhosts {
		if err := l.finish(v); err != nil {
			var e *Error
			if errors.As(err, &e) {
				return nil, e
			}
			return nil, &Error{Msg: err.Error(), ExitCode: 1}
		}
	}
	return l.cfg, nil
}

func (l *loader) findOrAddVhost(section string) (*Vhost, bool) {
	raw := section[len("vhost:"):]
	name := rstrip(lskip(raw))
	if name == "" {
		l.lineMsg = fmt.Sprintf("error: virtual host name is illegal '%s'", raw)
		return nil, false
	}
	if !asciiEqualFold(raw, name) {
		l.printf("note: virtual host name '%s' was canonicalized to '%s'", raw, name)
	}
	for _, v := range l.cfg.Vhosts[1:] {
		if v.Name == name {
			return v, true
		}
	}
	l.printf("note: adding virtual host: %s", name)
	v := newVhost(name)
	l.cfg.Vhosts = append(l.cfg.Vhosts, v)
	return v, true
}

func num(v string) int { return int(strtol(v, 10)) }

// handle is ocserv's cfg_ini_handler.
func (l *loader) handle(section, name, rawValue string, line int) bool {
	c := l.cfg
	v := c.Vhosts[0]
	if section != "" {
		if !strings.HasPrefix(section, "vhost:") {
			if !l.o.Reload {
				l.printf("warning: skipping unknown section '%s'", section)
			}
			return true
		}
		var ok bool
		if v, ok = l.findOrAddVhost(section); !ok {
			return false
		}
	}
	value, ok := sanitizeValue(rawValue)
	if !ok {
		return true
	}
	l.noteUnimplemented(v, name, value)
	isVhost := !v.dflt
	// global reports whether the key may be applied; inside a vhost it
	// prints ocserv's warning instead.
	global := func(label string) bool {
		if isVhost {
			l.printf("warning: %s is ignored on %s virtual host", label, v.Name)
			return false
		}
		return true
	}

	switch name {
	// Start-up ("perm") options.
	case "auth":
		v.AuthLines = append(v.AuthLines, value)
	case "enable-auth":
		v.EnableAuthLines = append(v.EnableAuthLines, value)
	case "acct":
		v.AcctLine = value
	case "listen-host":
		if !isVhost {
			c.ListenHost = value
		}
	case "udp-listen-host":
		if !isVhost {
			c.UDPListenHost = value
		}
	case "listen-clear-file":
		l.lineMsg = "error: the 'listen-clear-file' option was removed in ocserv 1.1.2"
		return false
	case "listen-netns":
		if !isVhost {
			c.ListenNetns = value
		}
	case "tcp-port":
		if global("tcp-port") {
			c.TCPPort = num(value)
		}
	case "udp-port":
		if global("udp-port") {
			c.UDPPort = num(value)
		}
	case "run-as-user":
		if global("run-as-user") {
			c.RunAsUser = value
			if !l.o.NoAccounts {
				uid, err := SystemAccounts.UserID(value)
				if err != nil {
					l.lineMsg = "error: unknown user: " + value
					return false
				}
				c.RunAsUID = uid
			}
		}
	case "run-as-group":
		if global("run-as-group") {
			c.RunAsGroup = value
			if !l.o.NoAccounts {
				gid, err := SystemAccounts.GroupID(value)
				if err != nil {
					l.lineMsg = "error: unknown group: " + value
					return false
				}
				c.RunAsGID = gid
			}
		}
	case "server-cert":
		v.ServerCerts = append(v.ServerCerts, value)
	case "server-key":
		v.ServerKeys = append(v.ServerKeys, value)
	case "debug-no-secmod-stats":
		v.DebugNoSecmodStats = isTrue(value)
	case "dh-params":
		v.DHParams = value
	case "pin-file":
		v.PinFile = value
	case "srk-pin-file":
		v.SRKPinFile = value
	case "ca-cert":
		v.CACert = value
	case "key-pin":
		v.KeyPin = value
	case "srk-pin":
		v.SRKPin = value
	case "socket-file":
		if global("socket-file") {
			c.SocketFile, c.socketFileSet = value, true
		}
	case "occtl-socket-file":
		if global("occtl-socket-file") {
			c.OCCTLSocketFile = value
		}
	case "chroot-dir":
		if global("chroot-dir") {
			c.ChrootDir = value
		}
	case "server-stats-reset-time":
		if global("server-stats-reset-time") {
			c.ServerStatsResetTime = num(value)
		}
	case "pid-file":
		if c.PidFile == "" {
			c.PidFile = value
		} else if !l.o.Reload {
			l.printf("note: skipping 'pid-file' config option")
		}
	case "sec-mod-scale":
		if global("sec-mod-scale") {
			c.SecModScale = num(value)
		}
	case "log-level":
		if !isVhost {
			c.LogLevel, c.LogLevelSet = num(value), true
		}

	// Reloadable options.
	case "listen-host-is-dyndns":
		v.ListenHostIsDyndns = isTrue(value)
	case "listen-proxy-proto":
		if global("listen-proxy-proto") {
			c.ListenProxyProto = isTrue(value)
		}
	case "append-routes":
		v.AppendRoutes = isTrue(value)
	case "kkdcp":
		v.kkdcpLines = append(v.kkdcpLines, value)
	case "tunnel-all-dns":
		v.TunnelAllDNS = isTrue(value)
	case "keepalive":
		v.Keepalive = num(value)
	case "switch-to-tcp-timeout":
		v.SwitchToTCPTimeout = num(value)
	case "dpd":
		v.DPD = num(value)
	case "mobile-dpd":
		v.MobileDPD = num(value)
	case "rate-limit-ms":
		if global("rate-limit-ms") {
			c.RateLimitMs = num(value)
		}
	case "server-drain-ms":
		if global("server-drain-ms") {
			c.ServerDrainMs = num(value)
		}
	case "ocsp-response":
		v.OCSPResponse = value
	case "user-profile":
		v.UserProfile = value
	case "client-bypass-protocol":
		v.ClientBypassProtocol = isTrue(value)
	case "default-domain":
		v.DefaultDomain = value
	case "crl":
		v.CRL = value
	case "cert-user-oid":
		v.CertUserOID, v.certUserOIDSet = value, true
	case "cert-group-oid":
		v.CertGroupOID = value
	case "connect-script":
		if global("connect-script") {
			c.ConnectScript = value
		}
	case "host-update-script":
		if global("host-update-script") {
			c.HostUpdateScript = value
		}
	case "disconnect-script":
		if global("disconnect-script") {
			c.DisconnectScript = value
		}
	case "session-control":
		l.printf("warning: the option 'session-control' is deprecated")
	case "banner":
		v.Banner = value
	case "pre-login-banner":
		v.PreLoginBanner = value
	case "dtls-legacy":
		v.DTLSLegacy = isTrue(value)
	case "cisco-client-compat":
		v.CiscoClientCompat = isTrue(value)
	case "always-require-cert":
		if !isTrue(value) {
			l.printf("note: 'always-require-cert' was replaced by 'cisco-client-compat'")
			v.CiscoClientCompat = true
		}
	case "dtls-psk":
		if global("dtls-psk") {
			c.DTLSPSK = isTrue(value)
		}
	case "match-tls-dtls-ciphers":
		v.MatchTLSDTLSCiphers = isTrue(value)
	case "compression":
		v.Compression = isTrue(value)
	case "compression-algo-priority":
		if global("compression-algo-priority") {
			c.CompressionAlgoPrio = append(c.CompressionAlgoPrio, value)
		}
	case "no-compress-limit":
		v.NoCompressLimit = num(value)
	case "use-seccomp":
		t := isTrue(value)
		if !isVhost {
			c.IsolateWorkers = t
		}
		if t {
			l.printf("note: 'use-seccomp' was replaced by 'isolate-workers'")
		}
	case "isolate-workers":
		if global("isolate-workers") {
			c.IsolateWorkers = isTrue(value)
		}
	case "predictable-ips":
		v.PredictableIPs = isTrue(value)
	case "use-utmp":
		if global("use-utmp") {
			c.UseUtmp = isTrue(value)
		}
	case "use-dbus":
		if isTrue(value) {
			l.printf("note: 'use-dbus' was replaced by 'use-occtl'")
			if !isVhost {
				c.UseOCCTL = true
			}
		}
	case "use-occtl":
		if global("use-occtl") {
			c.UseOCCTL = isTrue(value)
		}
	case "try-mtu-discovery":
		if global("try-mtu-discovery") {
			c.TryMTUDiscovery = isTrue(value)
		}
	case "ping-leases":
		if global("ping_leases") {
			c.PingLeases = isTrue(value)
		}
	case "restrict-user-to-routes":
		v.RestrictUserToRoutes = isTrue(value)
	case "restrict-user-to-ports":
		rules, err := ParsePorts(value)
		v.RestrictUserToPorts = append(v.RestrictUserToPorts, rules...)
		if err != nil {
			l.lineMsg = "error: cannot parse restrict-user-to-ports"
			return false
		}
	case "tls-priorities":
		v.TLSPriorities = value
	case "mtu":
		v.MTU = num(value)
	case "net-priority":
		v.NetPriority = parseNetPriority(value)
	case "output-buffer":
		v.OutputBuffer = num(value)
	case "rx-data-per-sec":
		v.RxDataPerSec = int(int32(strtol(value, 10))) / 1000
	case "tx-data-per-sec":
		v.TxDataPerSec = int(int32(strtol(value, 10))) / 1000
	case "deny-roaming":
		v.DenyRoaming = isTrue(value)
	case "stats-report-time":
		v.StatsReportTime = num(value)
	case "rekey-time":
		v.RekeyTime = num(value)
	case "rekey-method":
		if value != "ssl" && value != "new-tunnel" {
			l.lineMsg = fmt.Sprintf("error: unknown rekey method '%s'", value)
			return false
		}
		v.RekeyMethod = value
	case "cookie-timeout":
		v.CookieTimeout = num(value)
	case "persistent-cookies":
		v.PersistentCookies = isTrue(value)
	case "session-timeout":
		v.SessionTimeout = num(value)
	case "auth-timeout":
		if global("auth-timeout") {
			c.AuthTimeout = num(value)
		}
	case "idle-timeout":
		v.IdleTimeout = num(value)
	case "mobile-idle-timeout":
		v.MobileIdleTimeout = num(value)
	case "max-clients":
		if global("max-clients") {
			c.MaxClients = num(value)
		}
	case "min-reauth-time":
		if global("min-reauth-time") {
			c.MinReauthTime = num(value)
		}
	case "ban-reset-time":
		if global("ban-reset-time") {
			c.BanResetTime = num(value)
		}
	case "max-ban-score":
		if global("max-ban-score") {
			c.MaxBanScore = num(value)
		}
	case "ban-points-wrong-password":
		if global("ban-points-wrong-password") {
			c.BanPointsWrongPass = num(value)
		}
	case "ban-points-connection":
		if global("ban-points-connection") {
			c.BanPointsConnection = num(value)
		}
	case "ban-points-kkdcp":
		if global("ban-points-kkdcp") {
			c.BanPointsKKDCP = num(value)
		}
	case "max-same-clients":
		v.MaxSameClients = num(value)
	case "device":
		if global("device") {
			c.Device = value
		}
	case "cgroup":
		v.CGroup = value
	case "proxy-url":
		v.ProxyURL = value
	case "ipv4-network":
		net, mask, hasPrefix := splitIPv4Network(value)
		v.IPv4Network, v.ipv4Set = net, true
		if hasPrefix {
			v.IPv4Netmask = mask
		}
	case "ipv4-netmask":
		v.IPv4Netmask = value
	case "ipv6-network":
		net, prefix := extractPrefix(value)
		v.IPv6Network, v.ipv6Set = net, true
		if prefix != 0 {
			v.IPv6Prefix = prefix
		}
	case "ipv6-prefix":
		v.IPv6Prefix = int(toUint(strtol(value, 10)))
		if !validIPv6Prefix(v.IPv6Prefix) {
			l.lineMsg = "error: invalid IPv6 prefix: 0"
			return false
		}
	case "ipv6-subnet-prefix":
		p := int(toUint(strtol(value, 10)))
		if p > 0 {
			v.IPv6SubnetPrefix = p
			if !validIPv6Prefix(p) {
				l.lineMsg = fmt.Sprintf("error: invalid IPv6 subnet prefix: %d", p)
				return false
			}
		}
	case "custom-header":
		v.CustomHeaders = append(v.CustomHeaders, value)
	case "split-dns":
		v.SplitDNS = append(v.SplitDNS, value)
	case "included-http-headers":
		v.IncludedHTTPHeaders = append(v.IncludedHTTPHeaders, value)
	case "route":
		v.routesRaw = append(v.routesRaw, value)
	case "no-route":
		v.noRoutes = append(v.noRoutes, value)
	case "default-select-group":
		v.DefaultSelectGroup = value
	case "auto-select-group":
		v.AutoSelectGroup = isTrue(value)
	case "select-group":
		g := SelectGroup{Name: value}
		if i := strings.IndexByte(value, '['); i >= 0 {
			g.Name = value[:i]
		}
		label, _, err := bracketsString1(value)
		if err != nil {
			l.exitMsg = err.Error()
			return false
		}
		g.Label = label
		v.SelectGroups = append(v.SelectGroups, g)
	case "dns", "ipv4-dns", "ipv6-dns":
		v.DNS = append(v.DNS, value)
	case "nbns", "ipv4-nbns", "ipv6-nbns":
		v.NBNS = append(v.NBNS, value)
	case "route-add-cmd":
		if global("route-add-cmd") {
			c.RouteAddCmd = value
		}
	case "route-del-cmd":
		if global("route-del-cmd") {
			c.RouteDelCmd = value
		}
	case "config-per-user":
		v.ConfigPerUser = value
	case "config-per-group":
		v.ConfigPerGroup = value
	case "expose-iroutes":
		v.ExposeIroutes = isTrue(value)
	case "default-user-config":
		v.DefaultUserConfig = value
	case "default-group-config":
		v.DefaultGroupConfig = value
	default:
		if !l.o.Reload {
			l.printf("warning: skipping unknown option '%s'", name)
		}
	}
	return true
}

func validIPv6Prefix(p int) bool { return p > 10 && p <= 128 }

// extractPrefix splits "addr/LEN" into addr and atoi(LEN) (0 when absent).
func extractPrefix(s string) (string, int) {
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return s, 0
	}
	return s[:i], int(toUint(int64(atoi(s[i+1:]))))
}

// splitIPv4Network handles "a.b.c.d/LEN": the mask is "" (unset) when LEN
// cannot be converted, as in ocserv.
func splitIPv4Network(s string) (network, mask string, hasPrefix bool) {
	n, p := extractPrefix(s)
	if p == 0 {
		return n, "", false
	}
	return n, prefixToMask(int64(p)), true
}

// finish applies ocserv's post-parse steps to one vhost: auth / acct
// methods, iroutes, check_cfg, file loading, kkdcp and the supplemental
// config note.
func (l *loader) finish(v *Vhost) error {
	pfx := vhostPrefix(v)
	if len(v.AuthLines) == 0 {
		return &Error{Msg: "error: " + pfx + "the 'auth' configuration option was not specified!", ExitCode: 1}
	}
	if err := l.figureAuth(v); err != nil {
		return err
	}
	if err := l.figureAcct(v); err != nil {
		return err
	}
	if v.ExposeIroutes && v.ConfigPerUser != "" {
		if err := l.loadIroutes(v); err != nil {
			return err
		}
	}
	if err := l.check(v); err != nil {
		return err
	}
	if l.o.LoadFiles != nil {
		if err := l.o.LoadFiles(v); err != nil {
			return err
		}
	}
	if len(v.kkdcpLines) > 0 {
		k, err := parseKKDCP(v.kkdcpLines)
		if err != nil {
			return err
		}
		v.KKDCP = k
	}
	l.printf("note: %ssetting '%s' as supplemental config option", pfx, v.SupConfig)
	return nil
}

func (l *loader) figureAuth(v *Vhost) error {
	vname := vhostPrefix(v)
	if vname == "" {
		vname = "vhost:default"
	}
	info := func(s string) { l.printf("%s", s) }
	primary := AuthMethod{}
	for _, line := range v.AuthLines {
		name, ok := matchMethod(line, authMethodNames)
		if !ok {
			return fatalf("error: %s: unknown or unsupported auth method: %s", vname, line)
		}
		m := Method{Name: name, Raw: line}
		if err := parseMethodOptions(&m, line[len(name):], info); err != nil {
			return err
		}
		if primary.Module() != nil && m.hasModule() {
			return fatalf("error: %s: you cannot mix multiple authentication methods of %s type", vname, line)
		}
		if m.Radius != nil && m.Radius.GroupConfig {
			v.SupConfig = "radius"
		}
		primary.Methods = append(primary.Methods, m)
		if primary.Name == "" {
			primary.Name = name
		} else {
			primary.Name += "+" + name
		}
	}
	l.printf("note: %s: setting '%s' as primary authentication method", vname, primary.Name)
	v.Auth = []AuthMethod{primary}
	for _, line := range v.EnableAuthLines {
		name, ok := matchMethod(line, authMethodNames)
		if !ok {
			return fatalf("error: %s: unknown or unsupported auth method: %s", vname, line)
		}
		m := Method{Name: name, Raw: line}
		if err := parseMethodOptions(&m, line[len(name):], info); err != nil {
			return err
		}
		if m.Radius != nil && m.Radius.GroupConfig {
			v.SupConfig = "radius"
		}
		l.printf("note: %s: enabling '%s' as authentication method", vname, name)
		if m.IsPassword() {
			for _, a := range v.Auth {
				if a.isPassword() {
					return fatalf("error: %s: you cannot mix multiple password authentication methods", vname)
				}
			}
		}
		v.Auth = append(v.Auth, AuthMethod{Name: name, Methods: []Method{m}})
		if len(v.Auth) >= 4 {
			return fatalf("error: %s: you cannot enable more than %d authentication methods", vname, len(v.Auth))
		}
	}
	return nil
}

func (l *loader) figureAcct(v *Vhost) error {
	if v.AcctLine == "" {
		return nil
	}
	pfx := vhostPrefix(v)
	name, ok := matchMethod(v.AcctLine, acctMethodNames)
	if !ok {
		return fatalf("error: %s: unknown or unsupported accounting method: %s", pfx, v.AcctLine)
	}
	m := Method{Name: name, Raw: v.AcctLine}
	if name == MethodRadius {
		if err := parseMethodOptions(&m, v.AcctLine[len(name):], func(s string) { l.printf("%s", s) }); err != nil {
			return err
		}
		if m.Radius.GroupConfig {
			v.SupConfig = "radius"
		}
	}
	v.Acct = &m
	l.printf("note: %ssetting '%s' as accounting method", pfx, name)
	return nil
}

// loadIroutes reads the iroute lines of every regular file in
// config-per-user (expose-iroutes).
func (l *loader) loadIroutes(v *Vhost) error {
	ents, err := os.ReadDir(v.ConfigPerUser)
	if err != nil {
		return nil
	}
	sort.Slice(ents, func(i, j int) bool { return ents[i].Name() < ents[j].Name() })
	var known []string
	for _, e := range ents {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(v.ConfigPerUser, e.Name()))
		if err != nil {
			continue
		}
		var add []string
		n := Parse(data, func(section, name, value string, _ int) bool {
			if section != "" {
				l.printf("warning: skipping unknown section '%s'", section)
				return true
			}
			if name != "iroute" {
				return true
			}
			if s, ok := sanitizeValue(value); ok {
				add = append(add, s)
			}
			return true
		})
		if n != 0 {
			continue
		}
		known = append(known, add...)
		for i := range known {
			r, err := CheckRoute(known[i])
			if err != nil {
				return fatalf("%s", err.Error())
			}
			known[i] = r
		}
	}
	v.KnownIroutes = nil
	for _, r := range known {
		v.KnownIroutes = append(v.KnownIroutes, Route{Text: r})
	}
	return nil
}

// check is ocserv's check_cfg.
func (l *loader) check(v *Vhost) error {
	c := l.cfg
	isDefault := v.dflt
	pfx := vhostPrefix(v)
	fail := func(format string, a ...any) error {
		return &Error{Msg: "error: " + pfx + fmt.Sprintf(format, a...), ExitCode: 1}
	}
	if isDefault && !c.socketFileSet {
		return fail("the 'socket-file' configuration option must be specified!")
	}
	if isDefault && c.TCPPort == 0 {
		return fail("the tcp-port option is mandatory!")
	}
	if len(v.ServerCerts) == 0 || len(v.ServerKeys) == 0 {
		return fail("the 'server-cert' and 'server-key' configuration options must be specified!")
	}
	if !v.ipv4Set && !v.ipv6Set {
		return fail("no ipv4-network or ipv6-network options set.")
	}
	if v.ipv4Set && v.IPv4Netmask == "" {
		return fail("no mask found for IPv4 network.")
	}
	if v.ipv6Set && v.IPv6Prefix == 0 {
		return fail("no prefix found for IPv6 network.")
	}
	if len(v.Banner) > 256 {
		return fail("banner size is too long")
	}
	if len(v.ServerCerts) != len(v.ServerKeys) {
		return fail("the specified number of keys doesn't match the certificates")
	}
	if v.Auth[0].Has(MethodCertificate) && len(v.Auth) == 1 {
		if v.CiscoClientCompat {
			v.CertRequest = CertRequested
		} else {
			v.CertRequest = CertRequired
		}
	} else {
		for _, a := range v.Auth {
			if a.Has(MethodCertificate) {
				v.CertRequest = CertRequested
				break
			}
		}
	}
	if v.CertRequest != CertIgnore {
		if !v.certUserOIDSet {
			return fail("a certificate is requested by the option 'cert-user-oid' is not set")
		}
		if (v.CertUserOID == "" || v.CertUserOID[0] < '0' || v.CertUserOID[0] > '9') && v.CertUserOID != "SAN(rfc822name)" {
			return fail("the option 'cert-user-oid' has a unsupported value")
		}
	}
	if v.UserProfile != "" {
		p := v.UserProfile
		data, err := readProfile(p)
		if err != nil && c.ChrootDir != "" {
			p = c.ChrootDir + "/" + v.UserProfile
			data, err = readProfile(p)
		}
		if errors.Is(err, errProfileTooLarge) {
			return fail("user-profile '%s' is not a regular file of at most %d bytes", p, maxProfileSize)
		}
		if err != nil {
			return fail("cannot open file '%s'", p)
		}
		sum := sha1.Sum(data)
		v.UserProfileSHA1 = hex.EncodeToString(sum[:])
	}
	if v.TLSPriorities == "" {
		extra := ""
		if v.CiscoClientCompat {
			extra = ":-VERS-TLS1.3"
		}
		if isDefault {
			v.TLSPriorities = "NORMAL:%SERVER_PRECEDENCE:%COMPAT" + extra
		} else {
			v.TLSPriorities = c.Vhosts[0].TLSPriorities + extra
		}
	}
	if isDefault && c.OCCTLSocketFile == "" {
		c.OCCTLSocketFile = "/var/run/occtl.socket"
	}
	if v.IPv6Prefix != 0 && v.IPv6Prefix >= v.IPv6SubnetPrefix {
		return fail("the subnet prefix (%d) cannot be smaller or equal to network's (%d)", v.IPv6SubnetPrefix, v.IPv6Prefix)
	}
	if isDefault && c.Device == "" {
		return fail("the 'device' configuration option must be specified!")
	}
	if v.MobileDPD == 0 {
		v.MobileDPD = v.DPD
	}
	if v.CiscoClientCompat {
		if !v.DTLSLegacy && !l.o.Reload {
			l.printf("note: %sthe cisco-client-compat option implies dtls-legacy = true; enabling", pfx)
		}
		v.DTLSLegacy = true
	}
	if v.MatchTLSDTLSCiphers && v.DTLSLegacy {
		return fail("'match-tls-dtls-ciphers' cannot be applied when 'dtls-legacy' or 'cisco-client-compat' is on")
	}
	if v.MobileIdleTimeout == -1 {
		v.MobileIdleTimeout = v.IdleTimeout
	}
	if v.NoCompressLimit < 64 {
		v.NoCompressLimit = 64
	}
	if isDefault && c.UDPListenHost == "" {
		c.UDPListenHost = c.ListenHost
	}
	v.Routes = nil
	for _, r := range v.routesRaw {
		fixed, err := CheckRoute(r)
		if err != nil {
			return &Error{Msg: err.Error(), ExitCode: 1}
		}
		if fixed == "0.0.0.0/0" || fixed == "default" {
			v.Routes = nil
			v.DefaultRoute = true
			break
		}
		v.Routes = append(v.Routes, Route{Text: fixed})
	}
	v.NoRoutes = nil
	for _, r := range v.noRoutes {
		fixed, err := CheckRoute(r)
		if err != nil {
			return &Error{Msg: err.Error(), ExitCode: 1}
		}
		v.NoRoutes = append(v.NoRoutes, Route{Text: fixed})
	}
	for _, d := range v.DNS {
		if d == "local" {
			return fail("the 'local' DNS keyword is no longer supported.")
		}
	}
	if (v.ConfigPerUser != "" || v.ConfigPerGroup != "") && v.SupConfig != "file" {
		return fail("specified config-per-user or config-per-group but supplemental config is '%s'", v.SupConfig)
	}
	return nil
}

// maxProfileSize bounds the user-profile file (an AnyConnect XML profile is
// a few KiB): a device such as /dev/zero or a huge file must give a clear
// error, not an endless read.
const maxProfileSize = 1 << 20

var errProfileTooLarge = errors.New("user-profile too large or not a regular file")

// readProfile reads the user-profile file, refusing anything but a regular
// file of at most maxProfileSize bytes.
func readProfile(path string) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO must not wait for a writer.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() || st.Size() > maxProfileSize {
		return nil, errProfileTooLarge
	}
	data, err := io.ReadAll(io.LimitReader(f, maxProfileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxProfileSize {
		return nil, errProfileTooLarge
	}
	return data, nil
}
