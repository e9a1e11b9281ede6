package config

import "io"

// LoadOptions tune Load.
type LoadOptions struct {
	Stderr  io.Writer // receives ocserv's "note: ...", "warning: ..." lines, each ending "\n" (nil = discard)
	Reload  bool      // true on SIGHUP re-read: unknown-option warnings are suppressed, as in ocserv
	PidFile string    // the -p/--pid-file command-line value; non-empty beats pid-file in the file

	// LoadFiles, if set, is called for every vhost (default server first)
	// right after its consistency checks, which is where ocserv loads the
	// certificate and key files. An error stops Load: a *Error is returned
	// unchanged, any other error becomes a *Error with its text.
	LoadFiles func(v *Vhost) error

	// NoAccounts keeps run-as-user and run-as-group as names without
	// looking them up (RunAsUID and RunAsGID stay -1). The worker parses
	// the snapshot with it: it has no NSS (static, pure Go), so a user or
	// group that only an NSS module (LDAP, SSSD) knows is unknown to it;
	// main resolved both through NSS before starting it.
	NoAccounts bool
}

// Accounts resolves run-as-user and run-as-group to ids (an error for an
// unknown name).
type Accounts struct {
	UserID  func(name string) (int, error)
	GroupID func(name string) (int, error)
}

// SystemAccounts is what Load resolves run-as-user and run-as-group with
// (unless NoAccounts). The default is os/user, which goes through libc
// only when cgo is on and the osusergo tag is off; the ocserv binary sets
// it at start-up to libc's NSS (internal/auth/nss) so that users and
// groups of LDAP/SSSD resolve in every build.
var SystemAccounts = Accounts{UserID: osUserID, GroupID: osGroupID}

// Error is a fatal configuration error.
type Error struct {
	Msg      string // exactly what ocserv prints on stderr, possibly several lines, no trailing newline
	ExitCode int    // what ocserv exits with (1)
}

func (e *Error) Error() string { return e.Msg }

// SelectGroup is one select-group entry: NAME or NAME[Label].
type SelectGroup struct {
	Name  string `json:"name"`
	Label string `json:"label,omitempty"` // empty when no [Label] was given
}

// NetPriority is a parsed net-priority value.
type NetPriority struct {
	Set   bool `json:"set,omitempty"`
	TOS   bool `json:"tos,omitempty"` // true for the 0x.. (IP TOS) form, false for SO_PRIORITY
	Value int  `json:"value,omitempty"`
}

// Packed returns the value the way ocserv stores it: 0 = unset,
// priority+1 for the decimal form, TOS<<4 for the hex form.
func (n NetPriority) Packed() int {
	if !n.Set {
		return 0
	}
	if n.TOS {
		return n.Value << 4
	}
	return n.Value + 1
}

func parseNetPriority(v string) NetPriority {
	if len(v) >= 2 && v[0] == '0' && v[1] == 'x' {
		return NetPriority{Set: true, TOS: true, Value: int(int32(strtol(v, 16)))}
	}
	return NetPriority{Set: true, Value: int(int32(strtol(v, 10)))}
}

// CertRequest says whether the TLS handshake asks for a client certificate.
type CertRequest string

// Values of Vhost.CertRequest.
const (
	CertIgnore    CertRequest = "ignore"
	CertRequested CertRequest = "request"
	CertRequired  CertRequest = "require"
)

// Config is a loaded main configuration file.
type Config struct {
	PidFile string   `json:"pid_file,omitempty"`
	Vhosts  []*Vhost `json:"vhosts"` // Vhosts[0] is the default server (Name "default"); the rest in file order

	// Global-only options.
	TCPPort              int    `json:"tcp_port"`
	UDPPort              int    `json:"udp_port,omitempty"`
	ListenHost           string `json:"listen_host,omitempty"`
	UDPListenHost        string `json:"udp_listen_host,omitempty"` // = ListenHost when unset
	ListenNetns          string `json:"listen_netns,omitempty"`
	ListenProxyProto     bool   `json:"listen_proxy_proto,omitempty"`
	RunAsUser            string `json:"run_as_user,omitempty"`
	RunAsUID             int    `json:"run_as_uid"` // -1 when run-as-user is not set
	RunAsGroup           string `json:"run_as_group,omitempty"`
	RunAsGID             int    `json:"run_as_gid"` // -1 when run-as-group is not set
	SocketFile           string `json:"socket_file"`
	socketFileSet        bool
	OCCTLSocketFile      string   `json:"occtl_socket_file"`
	UseOCCTL             bool     `json:"use_occtl,omitempty"`
	ChrootDir            string   `json:"chroot_dir,omitempty"`
	SecModScale          int      `json:"sec_mod_scale,omitempty"`
	ServerStatsResetTime int      `json:"server_stats_reset_time"`
	IsolateWorkers       bool     `json:"isolate_workers,omitempty"`
	UseUtmp              bool     `json:"use_utmp"`
	LogLevel             int      `json:"log_level,omitempty"`
	LogLevelSet          bool     `json:"log_level_set,omitempty"`
	ConnectScript        string   `json:"connect_script,omitempty"`
	DisconnectScript     string   `json:"disconnect_script,omitempty"`
	HostUpdateScript     string   `json:"host_update_script,omitempty"`
	DTLSPSK              bool     `json:"dtls_psk"`
	MaxClients           int      `json:"max_clients,omitempty"`
	RateLimitMs          int      `json:"rate_limit_ms,omitempty"`
	ServerDrainMs        int      `json:"server_drain_ms,omitempty"`
	AuthTimeout          int      `json:"auth_timeout"`
	MinReauthTime        int      `json:"min_reauth_time,omitempty"`
	MaxBanScore          int      `json:"max_ban_score"`
	BanResetTime         int      `json:"ban_reset_time"`
	BanPointsWrongPass   int      `json:"ban_points_wrong_password"`
	BanPointsConnection  int      `json:"ban_points_connection"`
	BanPointsKKDCP       int      `json:"ban_points_kkdcp"`
	TryMTUDiscovery      bool     `json:"try_mtu_discovery,omitempty"`
	PingLeases           bool     `json:"ping_leases,omitempty"`
	Device               string   `json:"device"`
	RouteAddCmd          string   `json:"route_add_cmd,omitempty"`
	RouteDelCmd          string   `json:"route_del_cmd,omitempty"`
	CompressionAlgoPrio  []string `json:"compression_algo_priority,omitempty"` // raw ALGO:PRIO values

	// NotImplemented lists the options set that ocserv-go does not apply,
	// in file order (see StartupWarnings).
	NotImplemented []UnimplementedUse `json:"-"`
}

// Default returns the default server.
func (c *Config) Default() *Vhost { return c.Vhosts[0] }

// FindVhost returns the vhost called name, or the default server.
func (c *Config) FindVhost(name string) *Vhost {
	for _, v := range c.Vhosts[1:] {
		if v.Name == name {
			return v
		}
	}
	return c.Vhosts[0]
}

// Vhost holds every option that may differ per virtual host.
type Vhost struct {
	Name string `json:"name"` // "default" for the global section

	// Authentication.
	AuthLines       []string     `json:"auth_lines"`
	EnableAuthLines []string     `json:"enable_auth_lines,omitempty"`
	AcctLine        string       `json:"acct_line,omitempty"`
	Auth            []AuthMethod `json:"auth"` // [0] primary, then enable-auth alternatives
	Acct            *Method      `json:"acct,omitempty"`
	SupConfig       string       `json:"sup_config"` // "file" or "radius"
	CertRequest     CertRequest  `json:"cert_request"`

	CertUserOID        string        `json:"cert_user_oid,omitempty"`
	CertGroupOID       string        `json:"cert_group_oid,omitempty"`
	SelectGroups       []SelectGroup `json:"select_groups,omitempty"`
	DefaultSelectGroup string        `json:"default_select_group,omitempty"`
	AutoSelectGroup    bool          `json:"auto_select_group,omitempty"`

	// TLS / keys.
	ServerCerts          []string `json:"server_certs"`
	ServerKeys           []string `json:"server_keys"`
	CACert               string   `json:"ca_cert,omitempty"`
	CRL                  string   `json:"crl,omitempty"`
	OCSPResponse         string   `json:"ocsp_response,omitempty"`
	DHParams             string   `json:"dh_params,omitempty"`
	KeyPin               string   `json:"key_pin,omitempty"`
	PinFile              string   `json:"pin_file,omitempty"`
	SRKPin               string   `json:"srk_pin,omitempty"`
	SRKPinFile           string   `json:"srk_pin_file,omitempty"`
	TLSPriorities        string   `json:"tls_priorities"`
	CiscoClientCompat    bool     `json:"cisco_client_compat,omitempty"`
	DTLSLegacy           bool     `json:"dtls_legacy"`
	MatchTLSDTLSCiphers  bool     `json:"match_tls_dtls_ciphers,omitempty"`
	ClientBypassProtocol bool     `json:"client_bypass_protocol,omitempty"`
	IncludedHTTPHeaders  []string `json:"included_http_headers,omitempty"`
	RekeyTime            int      `json:"rekey_time"`
	RekeyMethod          string   `json:"rekey_method,omitempty"` // "", "ssl" or "new-tunnel"
	DebugNoSecmodStats   bool     `json:"debug_no_secmod_stats,omitempty"`

	// Limits and timeouts.
	MaxSameClients     int  `json:"max_same_clients,omitempty"`
	IdleTimeout        int  `json:"idle_timeout,omitempty"`
	MobileIdleTimeout  int  `json:"mobile_idle_timeout,omitempty"` // = IdleTimeout when unset
	SessionTimeout     int  `json:"session_timeout,omitempty"`
	CookieTimeout      int  `json:"cookie_timeout"`
	PersistentCookies  bool `json:"persistent_cookies,omitempty"`
	DenyRoaming        bool `json:"deny_roaming,omitempty"`
	Keepalive          int  `json:"keepalive"`
	DPD                int  `json:"dpd"`
	MobileDPD          int  `json:"mobile_dpd"` // = DPD when unset
	SwitchToTCPTimeout int  `json:"switch_to_tcp_timeout,omitempty"`
	RxDataPerSec       int  `json:"rx_data_per_sec,omitempty"` // already divided by 1000, as ocserv stores it
	TxDataPerSec       int  `json:"tx_data_per_sec,omitempty"` // already divided by 1000
	StatsReportTime    int  `json:"stats_report_time,omitempty"`
	OutputBuffer       int  `json:"output_buffer,omitempty"`
	ListenHostIsDyndns bool `json:"listen_host_is_dyndns,omitempty"`

	// Network.
	IPv4Network          string      `json:"ipv4_network,omitempty"` // without /LEN
	IPv4Netmask          string      `json:"ipv4_netmask,omitempty"`
	IPv6Network          string      `json:"ipv6_network,omitempty"` // without /LEN
	IPv6Prefix           int         `json:"ipv6_prefix,omitempty"`
	IPv6SubnetPrefix     int         `json:"ipv6_subnet_prefix"`
	PredictableIPs       bool        `json:"predictable_ips"`
	MTU                  int         `json:"mtu,omitempty"`
	DNS                  []string    `json:"dns,omitempty"`
	NBNS                 []string    `json:"nbns,omitempty"`
	DefaultDomain        string      `json:"default_domain,omitempty"`
	SplitDNS             []string    `json:"split_dns,omitempty"`
	TunnelAllDNS         bool        `json:"tunnel_all_dns,omitempty"`
	Routes               []Route     `json:"routes,omitempty"`
	DefaultRoute         bool        `json:"default_route,omitempty"` // a "default" or 0.0.0.0/0 route emptied Routes
	NoRoutes             []Route     `json:"no_routes,omitempty"`
	AppendRoutes         bool        `json:"append_routes,omitempty"`
	ExposeIroutes        bool        `json:"expose_iroutes,omitempty"`
	KnownIroutes         []Route     `json:"known_iroutes,omitempty"` // from config-per-user files when ExposeIroutes
	RestrictUserToRoutes bool        `json:"restrict_user_to_routes,omitempty"`
	RestrictUserToPorts  []PortRule  `json:"restrict_user_to_ports,omitempty"`
	NetPriority          NetPriority `json:"net_priority"`
	CGroup               string      `json:"cgroup,omitempty"`

	// Per-user / per-group.
	ConfigPerUser      string `json:"config_per_user,omitempty"`
	ConfigPerGroup     string `json:"config_per_group,omitempty"`
	DefaultUserConfig  string `json:"default_user_config,omitempty"`
	DefaultGroupConfig string `json:"default_group_config,omitempty"`

	// Client-facing extras.
	Banner          string   `json:"banner,omitempty"`
	PreLoginBanner  string   `json:"pre_login_banner,omitempty"`
	UserProfile     string   `json:"user_profile,omitempty"`
	UserProfileSHA1 string   `json:"user_profile_sha1,omitempty"` // hex SHA-1 of the file, computed at load
	CustomHeaders   []string `json:"custom_headers,omitempty"`
	ProxyURL        string   `json:"proxy_url,omitempty"`
	Compression     bool     `json:"compression,omitempty"`
	NoCompressLimit int      `json:"no_compress_limit"`
	KKDCP           []KKDCP  `json:"kkdcp,omitempty"`

	dflt           bool // the global section (ocserv's unnamed vhost)
	ipv4Set        bool
	certUserOIDSet bool
	kkdcpLines     []string
	routesRaw      []string
	noRoutes       []string
	ipv6Set        bool
}

func newVhost(name string) *Vhost {
	return &Vhost{
		Name:              name,
		SupConfig:         "file",
		CertRequest:       CertIgnore,
		MobileIdleTimeout: -1,
		NoCompressLimit:   256,
		RekeyTime:         24 * 60 * 60,
		CookieTimeout:     120,
		DPD:               60,
		Keepalive:         3600,
		IPv6SubnetPrefix:  128,
		DTLSLegacy:        true,
		PredictableIPs:    true,
	}
}

func newConfig() *Config {
	c := &Config{
		RunAsUID:             -1,
		RunAsGID:             -1,
		ServerStatsResetTime: 7 * 24 * 60 * 60,
		UseUtmp:              true,
		DTLSPSK:              true,
		AuthTimeout:          1800,
		MaxBanScore:          30,
		BanResetTime:         300,
		BanPointsWrongPass:   10,
		BanPointsConnection:  1,
		BanPointsKKDCP:       1,
		Vhosts:               []*Vhost{newVhost("default")},
	}
	c.Vhosts[0].dflt = true
	return c
}
