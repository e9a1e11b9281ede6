package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestCheckRoute(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"192.168.0.0/255.255.0.0", "192.168.0.0/255.255.0.0", ""},
		{"192.168.0.0/16", "192.168.0.0/255.255.0.0", ""},
		{"10.0.0.0/8", "10.0.0.0/255.0.0.0", ""},
		{"10.1.2.3/32", "10.1.2.3/255.255.255.255", ""},
		{"10.1.2.0", "", "route '10.1.2.0' in wrong format, use xxx.xxx.xxx.xxx/xxx.xxx.xxx.xxx"},
		{"0.0.0.0/0", "", "cannot figure format of route '0.0.0.0/0'"},
		{"10.0.0.0/33", "", "cannot figure format of route '10.0.0.0/33'"},
		{"fd00::/64", "fd00::/64", ""},
		{"default", "default", ""},
	}
	for _, tt := range tests {
		got, err := CheckRoute(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("CheckRoute(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("CheckRoute(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	cidr := map[string]string{
		"10.78.0.0/255.255.0.0": "10.78.0.0/16", "1.2.3.4/255.255.255.255": "1.2.3.4/32",
		"fd00::/64": "fd00::/64", "default": "default", "1.2.3.0/255.0.255.0": "1.2.3.0/255.0.255.0",
	}
	for in, want := range cidr {
		if got := (Route{Text: in}).CIDR(); got != want {
			t.Errorf("CIDR(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParsePorts(t *testing.T) {
	tests := []struct {
		in   string
		want []string
		err  bool
	}{
		{"tcp(443), tcp(80), udp(443), sctp(99), icmp(), icmpv6()", []string{"tcp(443)", "tcp(80)", "udp(443)", "sctp(99)", "icmp()", "icmpv6()"}, false},
		{"!(tcp(443), tcp(80))", []string{"!tcp(443)", "!tcp(80)"}, false},
		{"  TCP ( 22 ) ,esp()", []string{"tcp(22)", "esp()"}, false},
		{"!tcp(443)", nil, true},
		{"foo(1)", nil, true},
		{"tcp 443", nil, true},
		{"tcp(443", []string{"tcp(443)"}, true},
		{"tcp(443) udp(1)", []string{"tcp(443)"}, true},
		{"tcp(1),", []string{"tcp(1)"}, true},
		{"", nil, true},
	}
	for _, tt := range tests {
		rules, err := ParsePorts(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("ParsePorts(%q) err = %v, want err %v", tt.in, err, tt.err)
		}
		var got []string
		for _, r := range rules {
			got = append(got, r.String())
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParsePorts(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestParseMethod(t *testing.T) {
	tests := []struct {
		in   string
		want Method
		err  string
	}{
		{"plain[passwd=/etc/p,otp=/etc/o]", Method{Name: "plain", Plain: &PlainOptions{Passwd: "/etc/p", OTP: "/etc/o"}}, ""},
		{"PLAIN[ PASSWD = /a ]", Method{Name: "plain", Plain: &PlainOptions{Passwd: "/a"}}, ""},
		{"plain[/etc/p]", Method{Name: "plain", Plain: &PlainOptions{Passwd: "/etc/p", Legacy: true}}, ""},
		{"plain", Method{}, "plain: no password or OTP file specified"},
		{"plain[pwfile=/x]", Method{}, "unknown option 'pwfile'"},
		{"plain[passwd", Method{}, "error parsing [passwd"},
		{"pam[gid-min=1000]", Method{Name: "pam", PAM: &PAMOptions{GIDMin: 1000}}, ""},
		{"pam[gid-min=-1]", Method{}, "error in gid-min value: -1"},
		{"radius[config=/r,groupconfig=yes,nas-identifier=n]", Method{Name: "radius", Radius: &RadiusOptions{Config: "/r", GroupConfig: true, NASIdentifier: "n"}}, ""},
		{"radius", Method{}, "No radius configuration specified: "},
		{"radius[override-interim-updates=true]", Method{}, "unknown option 'override-interim-updates'"},
		{"gssapi[tgt-freshness-time=0]", Method{}, "Invalid value for 'tgt-freshness-time': 0"},
		{"gssapi[require-local-user-map=1]", Method{Name: "gssapi", GSSAPI: &GSSAPIOptions{}}, ""},
		{"certificate", Method{Name: "certificate"}, ""},
		{"ldap", Method{}, "unknown or unsupported auth method: ldap"},
	}
	for _, tt := range tests {
		got, err := ParseMethod(tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("ParseMethod(%q) err = %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		tt.want.Raw = tt.in
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseMethod(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

// TestEveryOptionHandled checks that every option of the table is known
// to the main-file handler (no "unknown option" warning), except the
// per-user-only keys, which must be unknown there.
func TestEveryOptionHandled(t *testing.T) {
	for _, o := range AllOptions() {
		var buf bytes.Buffer
		l := &loader{cfg: newConfig(), w: &buf}
		l.handle("", o.Name, "x", 1)
		unknown := strings.Contains(buf.String(), "skipping unknown option")
		if o.Scope == ScopePerUser && !unknown {
			t.Errorf("%s: per-user-only option accepted in the main file", o.Name)
		}
		if o.Scope != ScopePerUser && unknown {
			t.Errorf("%s: not handled by the loader", o.Name)
		}
		if got, ok := LookupOption(o.Name); !ok || got != o {
			t.Errorf("LookupOption(%q) = %+v, %v", o.Name, got, ok)
		}
	}
	if _, ok := LookupOption("TCP-PORT"); ok {
		t.Error("LookupOption must be case-sensitive")
	}
}

func TestLoadErrors(t *testing.T) {
	base := "auth = plain[passwd=/p]\ntcp-port = 1\nsocket-file = /s\nserver-cert = /c\nserver-key = /k\ndevice = d\nipv4-network = 10.0.0.0/8\n"
	tests := []struct{ name, in, want string }{
		{"run-as-user", "run-as-user = nosuchuser-xyz\n" + base, "error: unknown user: nosuchuser-xyz\nerror: config file error in line 1"},
		{"rekey", base + "rekey-method = SSL\n", "error: unknown rekey method 'SSL'\nerror: config file error in line 8"},
		{"vhost prefix", base + "[vhost:v]\nauth = plain[passwd=/x]\n", "error: vhost:v: the 'server-cert' and 'server-key' configuration options must be specified!"},
		{"acct", base + "acct = foo\n", "error: : unknown or unsupported accounting method: foo"},
		{"legacy radius", strings.Replace(base, "plain[passwd=/p]", "radius[/r,groupconfig]", 1), "legacy radius"},
		{"ipv4 bad prefix clears mask", base + "ipv4-netmask = 255.0.0.0\nipv4-network = 10.0.0.0/40\n", "error: no mask found for IPv4 network."},
		{"enable-auth limit", base + "enable-auth = certificate\nenable-auth = certificate\nenable-auth = certificate\ncert-user-oid = 1\n", "error: vhost:default: you cannot enable more than 4 authentication methods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := LoadBytes([]byte(tt.in), LoadOptions{})
			var e *Error
			if !errors.As(err, &e) || !strings.Contains(e.Msg, tt.want) || e.ExitCode != 1 {
				t.Errorf("err = %v, want Msg containing %q", err, tt.want)
			}
		})
	}
}

func TestPidFileAndReload(t *testing.T) {
	in := "pid-file = /a\npid-file = /b\nfoo = 1\n[bar]\nx = 1\n"
	var buf bytes.Buffer
	l := &loader{cfg: newConfig(), w: &buf}
	Parse([]byte(in), l.handle)
	if l.cfg.PidFile != "/a" || !strings.Contains(buf.String(), "note: skipping 'pid-file' config option") {
		t.Errorf("pid-file = %q, stderr %q", l.cfg.PidFile, buf.String())
	}
	buf.Reset()
	l = &loader{cfg: newConfig(), w: &buf, o: LoadOptions{Reload: true}}
	l.cfg.PidFile = "/cmdline"
	Parse([]byte(in), l.handle)
	if l.cfg.PidFile != "/cmdline" || buf.Len() != 0 {
		t.Errorf("reload: pid-file = %q, stderr %q", l.cfg.PidFile, buf.String())
	}
}

func TestSessionConfig(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "users"), 0o755))
	must(os.MkdirAll(filepath.Join(dir, "groups"), 0o755))
	write := func(name, content string) { must(os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)) }
	write("groups/g1", "nbns = 10.30.0.1\nroute = 10.1.0.0/16\nrx-data-per-sec = 1500\nfoo = bar\n[sec]\nmtu = 1\n")
	write("users/bob", "route = 10.2.0.0/255.255.0.0\ndns: 10.20.0.1\ntunnel_all_dns = yes\niroute = 10.77.0.0/16\nno-udp = true\nbad line\nmtu = 1000\n")
	write("users/alice", "route = default\n")
	write("users/eve", "route = 10.9.9.9\n")
	write("default-user", "idle-timeout = 100\n")
	write("default-group", "dpd = 30\n")

	v := newVhost("default")
	v.ConfigPerUser, v.ConfigPerGroup = dir+"/users", dir+"/groups"
	v.DefaultUserConfig, v.DefaultGroupConfig = dir+"/default-user", dir+"/default-group"
	v.Routes = []Route{{Text: "192.168.0.0/255.255.0.0"}}
	v.DNS = []string{"1.1.1.1"}
	v.MTU = 1400

	var logs []string
	logf := func(f string, a ...any) { logs = append(logs, f) }
	s, err := SessionConfig(v, "bob", "g1", logf)
	must(err)
	wantRoutes := []Route{{"10.1.0.0/255.255.0.0"}, {"10.2.0.0/255.255.0.0"}}
	if !reflect.DeepEqual(s.Routes, wantRoutes) {
		t.Errorf("routes = %v, want %v", s.Routes, wantRoutes)
	}
	if !reflect.DeepEqual(s.DNS, []string{"10.20.0.1"}) || !reflect.DeepEqual(s.NBNS, []string{"10.30.0.1"}) {
		t.Errorf("dns = %v nbns = %v", s.DNS, s.NBNS)
	}
	if s.RxDataPerSec != 1 || !s.TunnelAllDNS || !s.NoUDP || s.MTU != 1400 || s.DPD != 60 {
		t.Errorf("scalars: rx=%d tunnelAllDNS=%v noUDP=%v mtu=%d dpd=%d", s.RxDataPerSec, s.TunnelAllDNS, s.NoUDP, s.MTU, s.DPD)
	}
	// bob's file has a syntax error, so (as in ocserv) its routes skip the
	// sanity check and the iroute keeps its CIDR form.
	if !reflect.DeepEqual(s.Iroutes, []Route{{"10.77.0.0/16"}}) {
		t.Errorf("iroutes = %v", s.Iroutes)
	}
	if len(logs) == 0 {
		t.Error("expected log messages for the unknown key, section and syntax error")
	}

	v.AppendRoutes = true
	s, err = SessionConfig(v, "carol", "nogroup", nil)
	must(err)
	if s.IdleTimeout != 100 || s.DPD != 30 || !reflect.DeepEqual(s.Routes, v.Routes) {
		t.Errorf("defaults: idle=%d dpd=%d routes=%v", s.IdleTimeout, s.DPD, s.Routes)
	}
	s, err = SessionConfig(v, "alice", "", nil)
	must(err)
	if !reflect.DeepEqual(s.Routes, []Route{{"default"}, {"192.168.0.0/255.255.0.0"}}) || !s.FullTunnel {
		t.Errorf("alice routes = %v full=%v", s.Routes, s.FullTunnel)
	}
	if _, err := SessionConfig(v, "eve", "", nil); err == nil {
		t.Error("a malformed IPv4 route must fail the session")
	}
}

// A user-profile that is not a small regular file (a device, a FIFO, a huge
// file) is refused with a clear error instead of being read forever.
func TestUserProfileNotRegular(t *testing.T) {
	for _, path := range []string{"/dev/zero", "/dev/null"} {
		text := "auth = plain[passwd=/p]\ntcp-port = 1\nsocket-file = /s\nserver-cert = /c\nserver-key = /k\ndevice = d\nipv4-network = 10.0.0.0/8\nuser-profile = " + path + "\n"
		_, err := LoadBytes([]byte(text), LoadOptions{})
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(e.Msg, "user-profile '"+path+"' is not a regular file") {
			t.Errorf("%s: %v", path, err)
		}
	}
}
