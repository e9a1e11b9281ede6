// Package configcompat runs the real ocserv 1.1.6 ("ocserv -t -c FILE")
// and our cmd/ocserv side by side on the same configuration files and
// compares exit codes and stderr. It runs no ocserv process of its own
// beyond those short -t runs and only touches its test temp directory.
package configcompat

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

const realOcserv = "/usr/sbin/ocserv"

// compareMode says how much of stderr must match.
type compareMode int

const (
	full       compareMode = iota // every line
	errorsOnly                    // only lines starting with "error:"
)

type tcase struct {
	name string
	conf string // template: @DIR@ is replaced by the temp dir
	mode compareMode
	// legacyRadius marks the one case where ocserv aborts (134) and we
	// deliberately exit 1 with a clear message.
	legacyRadius bool
	// oursError, when set, is an error line ocserv-go prints where ocserv
	// 1.1.6 exits with the same code but prints nothing (docs/compat.md);
	// exit codes must still match.
	oursError string
}

const base = `auth = "plain[passwd=@DIR@/passwd]"
tcp-port = 4443
socket-file = @DIR@/sock
server-cert = @DIR@/cert.pem
server-key = @DIR@/key.pem
device = vpns
ipv4-network = 192.168.1.0/24
`

// without returns base minus the lines starting with any of the keys.
func without(keys ...string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(base, "\n") {
		skip := false
		for _, k := range keys {
			if strings.HasPrefix(l, k+" ") {
				skip = true
			}
		}
		if !skip {
			b.WriteString(l)
		}
	}
	return b.String()
}

const allOptions = `# every option of config.md section 5, valid together
auth = "plain[passwd=@DIR@/passwd,otp=@DIR@/otp]"
auth = "certificate"
enable-auth = "gssapi[keytab=@DIR@/keytab,require-local-user-map=false,tgt-freshness-time=900,gid-min=100]"
acct = "pam"
cert-user-oid = 0.9.2342.19200300.100.1.1
cert-group-oid = 2.5.4.11
ca-cert = @DIR@/ca.pem
crl = @DIR@/crl.pem
select-group = group1
select-group = group2[The Group 2]
default-select-group = DEFAULT
auto-select-group = false
run-as-user = nobody
run-as-group = nogroup
listen-host = 127.0.0.1
udp-listen-host = 127.0.0.1
listen-host-is-dyndns = false
listen-proxy-proto = false
tcp-port = 4443
udp-port = 4443
socket-file = @DIR@/sock
occtl-socket-file = @DIR@/occtl.sock
use-occtl = true
chroot-dir = @DIR@
pid-file = @DIR@/ocserv.pid
sec-mod-scale = 1
server-stats-reset-time = 604800
isolate-workers = false
use-utmp = false
session-control = false
debug-no-secmod-stats = false
log-level = 2
connect-script = /bin/true
disconnect-script = /bin/true
host-update-script = /bin/true
server-cert = @DIR@/cert.pem
server-key = @DIR@/key.pem
pin-file = @DIR@/pin
srk-pin-file = @DIR@/srkpin
key-pin = 1234
srk-pin = 1234
tls-priorities = "NORMAL:%SERVER_PRECEDENCE:%COMPAT:-VERS-SSL3.0"
cisco-client-compat = false
dtls-legacy = true
dtls-psk = true
match-tls-dtls-ciphers = false
client-bypass-protocol = false
included-http-headers = Strict-Transport-Security: max-age=31536000
included-http-headers = X-Frame-Options: deny
rekey-time = 172800
rekey-method = ssl
max-clients = 16
max-same-clients = 2
rate-limit-ms = 100
server-drain-ms = 0
auth-timeout = 240
idle-timeout = 1200
mobile-idle-timeout = 1800
session-timeout = 86400
cookie-timeout = 300
persistent-cookies = true
deny-roaming = false
keepalive = 32400
dpd = 90
mobile-dpd = 1800
switch-to-tcp-timeout = 25
min-reauth-time = 300
max-ban-score = 80
ban-reset-time = 1200
ban-points-wrong-password = 10
ban-points-connection = 1
ban-points-kkdcp = 1
rx-data-per-sec = 200000
tx-data-per-sec = 1500
stats-report-time = 360
output-buffer = 10
try-mtu-discovery = false
ping-leases = false
device = vpns
ipv4-network = 192.168.1.0
ipv4-netmask = 255.255.255.0
ipv6-network = fda9:4efe:7e3b:03ea::/48
ipv6-subnet-prefix = 64
predictable-ips = true
mtu = 1400
dns = 192.168.1.2
ipv4-dns = 192.168.1.3
ipv6-dns = fda9:4efe:7e3b:03ea::2
nbns = 192.168.1.4
ipv4-nbns = 192.168.1.5
ipv6-nbns = fda9:4efe:7e3b:03ea::5
default-domain = example.com example.org
split-dns = example.com
tunnel-all-dns = false
route = 10.0.0.0/8
route = 172.16.0.0/255.240.0.0
route = fd00::/64
no-route = 192.168.5.0/255.255.255.0
append-routes = false
expose-iroutes = true
route-add-cmd = "ip route add %{R} dev %{D}"
route-del-cmd = "ip route delete %{R} dev %{D}"
restrict-user-to-routes = false
restrict-user-to-ports = "tcp(443), tcp(80), udp(443), sctp(99), icmp(), icmpv6()"
net-priority = 3
cgroup = "cpuset,cpu:test"
config-per-user = @DIR@/users
config-per-group = @DIR@/groups
default-user-config = @DIR@/default-user
default-group-config = @DIR@/default-group
banner = "Welcome"
pre-login-banner = "Hello"
user-profile = @DIR@/profile.xml
custom-header = "X-My-Header: hi there"
proxy-url = http://example.com/
compression = true
compression-algo-priority = lzs:10
no-compress-limit = 256
kkdcp = /KdcProxy KERBEROS.REALM udp@127.0.0.1:88
kkdcp = /KdcProxy6 KERBEROS.REALM tcp@[::1]:88
ipv6-prefix = 48
`

const twoVhosts = base + `config-per-user = @DIR@/users
config-per-group = @DIR@/groups
default-user-config = @DIR@/default-user
default-group-config = @DIR@/default-group
route = 10.10.0.0/16
dns = 10.10.0.1

[vhost:www.example.com]
auth = "plain[passwd=@DIR@/passwd2]"
server-cert = @DIR@/cert.pem
server-key = @DIR@/key.pem
ipv4-network = 192.168.2.0/24
config-per-user = @DIR@/users
tcp-port = 9999
max-clients = 3
ping-leases = true

[vhost:vpn.example.org]
auth = "certificate"
cert-user-oid = 2.5.4.3
ca-cert = @DIR@/ca.pem
server-cert = @DIR@/cert.pem
server-key = @DIR@/key.pem
ipv6-network = fd00:1::/48
cisco-client-compat = true
dtls-legacy = false
`

func cases() []tcase {
	return []tcase{
		{name: "valid-minimal", conf: base},
		{name: "all-options", conf: allOptions},
		{name: "two-vhosts", conf: twoVhosts},
		{name: "syntax-lexer", conf: base + "dpd: 60\ndns = 1.2.3.4 # comment\nnbns = 10.1.1.1;x\n\"keepalive\" = \"\"\"30\"\"\"\n  10.6.6.6\n; comment\n# comment\n\n[]\nmtu = 1400\n"},
		{name: "unknown-option", conf: base + "frobnicate = 1\nTCP-PORT = 1\n"},
		{name: "unknown-section", conf: base + "[foo]\nbar = 1\nbaz = 2\n"},
		{name: "line-without-equals", conf: base + "this line has no separator\n"},
		{name: "unclosed-section", conf: base + "[vhost:x\n"},
		{name: "illegal-vhost-name", conf: base + "[vhost:]\nauth = plain\n"},
		{name: "no-auth", conf: without("auth")},
		{name: "unknown-auth", conf: base + "auth = \"ldap\"\n"},
		{name: "unknown-auth-suboption", conf: strings.Replace(base, "passwd=@DIR@/passwd", "pwfile=/x", 1)},
		{name: "plain-without-files", conf: strings.Replace(base, "plain[passwd=@DIR@/passwd]", "plain", 1)},
		{name: "plain-legacy", conf: strings.Replace(base, "plain[passwd=@DIR@/passwd]", "plain[@DIR@/passwd]", 1)},
		{name: "bracket-error", conf: strings.Replace(base, "plain[passwd=@DIR@/passwd]", "plain[passwd", 1)},
		{name: "mix-password-methods", conf: base + "enable-auth = pam\n"},
		{name: "mix-module-methods", conf: base + "auth = gssapi\n"},
		{name: "too-many-methods", conf: base + "enable-auth = gssapi\nenable-auth = certificate\nenable-auth = certificate\ncert-user-oid = 2.5.4.3\n"},
		{name: "cert-without-oid", conf: base + "auth = certificate\n"},
		{name: "cert-bad-oid", conf: base + "auth = certificate\ncert-user-oid = CN\n"},
		{name: "acct-unknown", conf: base + "acct = \"foo\"\n"},
		{name: "acct-radius-no-config", conf: base + "acct = \"radius[nas-identifier=x]\"\n"},
		{name: "radius-groupconfig-with-per-user", conf: strings.Replace(base, "plain[passwd=@DIR@/passwd]", "radius[config=@DIR@/radcli.conf,groupconfig=true]", 1) + "config-per-user = @DIR@/users\n"},
		{name: "gssapi-bad-freshness", conf: base + "enable-auth = \"gssapi[tgt-freshness-time=0]\"\n"},
		{name: "no-tcp-port", conf: without("tcp-port")},
		{name: "no-socket-file", conf: without("socket-file")},
		{name: "no-server-cert", conf: without("server-cert", "server-key")},
		{name: "server-cert-missing-file", conf: strings.Replace(base, "@DIR@/cert.pem", "/nonexistent/cert.pem", 1), mode: errorsOnly},
		{name: "cert-key-count-mismatch", conf: base + "server-cert = @DIR@/cert.pem\n"},
		{name: "no-network", conf: without("ipv4-network")},
		{name: "ipv4-without-mask", conf: strings.Replace(base, "192.168.1.0/24", "192.168.1.0", 1)},
		{name: "ipv6-without-prefix", conf: without("ipv4-network") + "ipv6-network = fd00::\n"},
		{name: "no-device", conf: without("device")},
		{name: "unknown-user", conf: "run-as-user = nosuchuser\n" + base},
		{name: "unknown-group", conf: base + "run-as-group = nosuchgroup\n"},
		{name: "route-no-mask", conf: base + "route = 10.1.2.0\n"},
		{name: "route-zero-prefix", conf: base + "route = 0.0.0.0/0\n"},
		{name: "route-default", conf: base + "route = 10.0.0.0/8\nroute = default\nroute = 10.1.2.0\n"},
		{name: "no-route-bad", conf: base + "no-route = 10.1.2.0\n"},
		{name: "rekey-method-bad", conf: base + "rekey-method = foo\n"},
		{name: "ports-bad", conf: base + "restrict-user-to-ports = \"tcp(443), foo(1)\"\n"},
		{name: "ports-deny", conf: base + "restrict-user-to-ports = \"!(tcp(443), udp(53))\"\n"},
		{name: "dns-local", conf: base + "dns = local\n"},
		{name: "listen-clear-file", conf: base + "listen-clear-file = /x\n"},
		{name: "ipv6-subnet-prefix-small", conf: base + "ipv6-network = fd00::/64\nipv6-subnet-prefix = 48\n"},
		{name: "ipv6-prefix-invalid", conf: base + "ipv6-prefix = 5\n"},
		{name: "match-tls-dtls-ciphers", conf: base + "match-tls-dtls-ciphers = true\n"},
		{name: "match-tls-dtls-ciphers-ok", conf: base + "match-tls-dtls-ciphers = true\ndtls-legacy = false\n"},
		{name: "banner-too-long", conf: base + "banner = " + strings.Repeat("x", 300) + "\n"},
		{name: "lenient-values", conf: base + "try-mtu-discovery = maybe\ndpd = abc\nno-udp = 1\n"},
		{name: "global-only-in-vhost", conf: base + "[vhost:v.example]\n" + strings.Replace(base, "tcp-port = 4443", "tcp-port = 1", 1) + "udp-port = 2\nrun-as-user = nobody\nrun-as-group = nogroup\nchroot-dir = /\nocctl-socket-file = /x\nserver-stats-reset-time = 1\nsec-mod-scale = 2\nlisten-proxy-proto = true\nrate-limit-ms = 1\nserver-drain-ms = 1\nconnect-script = /bin/true\ndisconnect-script = /bin/true\nhost-update-script = /bin/true\ndtls-psk = false\ncompression-algo-priority = lzs:1\nisolate-workers = true\nuse-utmp = false\nuse-occtl = true\ntry-mtu-discovery = true\nping-leases = true\nauth-timeout = 1\nmax-clients = 1\nmin-reauth-time = 1\nban-reset-time = 1\nmax-ban-score = 1\nban-points-wrong-password = 1\nban-points-connection = 1\nban-points-kkdcp = 1\nroute-add-cmd = x\nroute-del-cmd = y\n"},
		{name: "vhost-without-certs", conf: base + "[vhost:b.example]\nauth = \"plain[passwd=/x]\"\nipv4-network = 10.0.0.0/8\n"},
		{name: "vhost-without-auth", conf: base + "[vhost:a.example]\nserver-cert = @DIR@/cert.pem\n"},
		{name: "legacy-notes", conf: base + "use-seccomp = true\nuse-dbus = true\nalways-require-cert = false\nsession-control = true\ndtls-legacy = false\n"},
		{name: "pid-file-twice", conf: base + "pid-file = @DIR@/a.pid\npid-file = @DIR@/b.pid\n"},
		{name: "user-profile-missing", conf: base + "user-profile = @DIR@/nonexistent.xml\n"},
		{name: "select-group-bad", conf: base + "select-group = group1[Label\n"},
		{name: "kkdcp-bad-protocol", conf: base + "kkdcp = /KdcProxy REALM foo@127.0.0.1:88\n"},
		{name: "kkdcp-no-port", conf: base + "kkdcp = /KdcProxy REALM udp@127.0.0.1\n"},
		{name: "long-line", conf: base + "banner = " + strings.Repeat("y", 2100) + "\n"},
		{name: "crl-missing-with-cert-auth", conf: base + "auth = certificate\ncert-user-oid = 2.5.4.3\nca-cert = @DIR@/ca.pem\ncrl = @DIR@/nonexistent.crl\n", mode: errorsOnly,
			oursError: "error: cannot load crl: open @DIR@/nonexistent.crl: no such file or directory"},
		{name: "vhost-canonicalized", conf: base + "[vhost: www.Example.COM ]\nbanner = x\n[vhost:www.Example.COM]\nauth = \"plain[passwd=/x]\"\nserver-cert = @DIR@/cert.pem\nserver-key = @DIR@/key.pem\nipv4-network = 10.0.0.0/8\n"},
		{name: "quotes-only-values", conf: base + "dns = \"\"\nbanner = \" \"\ndefault-domain = \"\n"},
		{name: "empty-ipv6-network", conf: base + "ipv6-network =\n"},
		{name: "ipv4-network-bad-prefix", conf: base + "ipv4-netmask = 255.0.0.0\nipv4-network = 10.0.0.0/40\n"},
		{name: "pam-gid-min-negative", conf: strings.Replace(base, "plain[passwd=@DIR@/passwd]", "pam[gid-min=-5]", 1)},
		{name: "bom", conf: "\xEF\xBB\xBF" + base},
		{name: "legacy-radius-groupconfig", conf: strings.Replace(base, "plain[passwd=@DIR@/passwd]", "radius[@DIR@/radcli.conf,groupconfig]", 1), legacyRadius: true},
	}
}

// writePKI writes ca.pem, cert.pem and key.pem into dir.
func writePKI(t *testing.T, dir string) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "localhost"},
		DNSNames: []string{"localhost"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	crlDER, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour),
	}, caCert, caKey)
	if err != nil {
		t.Fatal(err)
	}
	write("crl.pem", "X509 CRL", crlDER)
	write("ca.pem", "CERTIFICATE", caDER)
	write("cert.pem", "CERTIFICATE", srvDER)
	write("key.pem", "PRIVATE KEY", keyDER)
}

// writeAux creates the per-user/per-group layout and other referenced files.
func writeAux(t *testing.T, dir string) {
	t.Helper()
	for _, d := range []string{"users", "groups"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	files := map[string]string{
		"passwd":        "bob:group1:$5$x$y\n",
		"users/bob":     "iroute = 10.77.0.0/16\nroute = 10.20.0.0/255.255.0.0\ndns = 10.20.0.1\n",
		"users/alice":   "route = default\n",
		"groups/group1": "nbns = 10.30.0.1\nrx-data-per-sec = 20000\n",
		"default-user":  "idle-timeout = 100\n",
		"default-group": "dpd = 30\n",
		"profile.xml":   "<AnyConnectProfile/>\n",
	}
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func repoRoot(t *testing.T) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// buildOurs builds ./cmd/ocserv.
func buildOurs(t *testing.T, dir string) string {
	out := filepath.Join(dir, "ocserv-go")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/ocserv")
	cmd.Dir = repoRoot(t)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building ./cmd/ocserv: %v\n%s", err, b)
	}
	return out
}

type result struct {
	code   int
	stderr string
	stdout string
}

func run(t *testing.T, bin, conf string) result {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-t", "-c", conf)
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s timed out", bin)
	}
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
		if code < 0 {
			code = 128 + 6 // killed by a signal; only SIGABRT is expected
		}
	} else if err != nil {
		t.Fatalf("running %s: %v", bin, err)
	}
	return result{code, se.String(), so.String()}
}

func errorLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "error:") {
			out = append(out, l)
		}
	}
	return out
}

func TestCompat(t *testing.T) {
	if _, err := os.Stat(realOcserv); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is required in CI: %v", realOcserv, err)
		}
		t.Skipf("%s is not installed; cannot compare with the real ocserv", realOcserv)
	}
	dir := t.TempDir()
	writePKI(t, dir)
	writeAux(t, dir)
	ours := buildOurs(t, dir)

	all := cases()
	if data, err := os.ReadFile("/etc/ocserv/ocserv.conf"); err == nil {
		// Debian's sample, pointed at our certificates (it has none set).
		conf := string(data) + "\nserver-cert = @DIR@/cert.pem\nserver-key = @DIR@/key.pem\n"
		all = append(all, tcase{name: "debian-sample", conf: conf})
		all = append(all, tcase{name: "debian-sample-as-is", conf: string(data), mode: errorsOnly})
	}
	for i, tc := range all {
		t.Run(tc.name, func(t *testing.T) {
			conf := filepath.Join(dir, "case"+string(rune('a'+i%26))+"-"+tc.name+".conf")
			if err := os.WriteFile(conf, []byte(strings.ReplaceAll(tc.conf, "@DIR@", dir)), 0o644); err != nil {
				t.Fatal(err)
			}
			want := run(t, realOcserv, conf)
			got := run(t, ours, conf)
			if got.stdout != "" {
				t.Errorf("stdout must stay empty, got %q", got.stdout)
			}
			if tc.legacyRadius {
				if want.code == 0 {
					t.Errorf("real ocserv exit = 0, want non-zero")
				}
				if got.code != 1 || !strings.Contains(got.stderr, "legacy radius") {
					t.Errorf("ours: exit %d, stderr %q; want exit 1 with a clear legacy-radius message", got.code, got.stderr)
				}
				return
			}
			report := t.Errorf
			if tc.oursError != "" {
				line := strings.ReplaceAll(tc.oursError, "@DIR@", dir)
				if !strings.Contains(got.stderr, line+"\n") {
					t.Errorf("ours lacks %q:\n%s", line, got.stderr)
				}
				// The rest of the comparison is without that line.
				got.stderr = strings.Replace(got.stderr, line+"\n", "", 1)
			}
			if got.code != want.code {
				report("exit code = %d, real ocserv %d\nours:\n%s\nreal:\n%s", got.code, want.code, got.stderr, want.stderr)
			}
			switch tc.mode {
			case full:
				if got.stderr != want.stderr {
					report("stderr differs\nours:\n%s\nreal:\n%s", got.stderr, want.stderr)
				}
			case errorsOnly:
				g, w := strings.Join(errorLines(got.stderr), "\n"), strings.Join(errorLines(want.stderr), "\n")
				if g != w {
					report("error lines differ\nours:\n%s\nreal:\n%s", g, w)
				}
			}
		})
	}
}
