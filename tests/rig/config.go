package rig

import (
	"fmt"
	"net"
	"os"
	"strings"
)

// Config is an ocserv configuration file as an ordered list of
// `key = value` lines (a key may repeat) plus verbatim lines appended at the
// end (comments, [vhost:...] sections). Methods return the Config so calls
// chain: r.NewConfig().Set("dpd", "30").Add("route", "10.9.0.0/16").
type Config struct {
	entries []entry
	raw     []string
}

type entry struct{ key, value string }

// NewConfig returns the rig's default configuration: plain password
// authentication with r.PasswdFile, TCP and UDP port 443, sockets and pid
// file under r.Dir/run, run-as nobody/nogroup, device "vpns"+ID, pool
// r.PoolNet, one DNS server (DefaultDNS) and one route (DefaultRoute), and
// limits relaxed so repeated test logins are never throttled or banned.
func (r *Rig) NewConfig() *Config {
	run := r.Dir + "/run"
	if err := os.MkdirAll(run, 0o755); err != nil {
		r.T.Fatalf("rig: %v", err)
	}
	os.Chmod(run, 0o755)
	c := &Config{}
	c.Set("auth", fmt.Sprintf("\"plain[passwd=%s]\"", r.PasswdFile))
	c.Set("tcp-port", "443")
	c.Set("udp-port", "443")
	c.Set("run-as-user", "nobody")
	c.Set("run-as-group", "nogroup")
	c.Set("socket-file", run+"/sec-mod.socket")
	c.Set("occtl-socket-file", run+"/occtl.socket")
	c.Set("use-occtl", "true")
	c.Set("pid-file", run+"/ocserv.pid")
	c.Set("server-cert", r.PKI.ServerCert)
	c.Set("server-key", r.PKI.ServerKey)
	c.Set("ca-cert", r.PKI.CACert)
	c.Set("isolate-workers", "true")
	c.Set("max-clients", "64")
	c.Set("max-same-clients", "0")
	c.Set("rate-limit-ms", "0")
	c.Set("max-ban-score", "0")
	c.Set("keepalive", "32400")
	c.Set("dpd", "90")
	c.Set("mobile-dpd", "1800")
	c.Set("switch-to-tcp-timeout", "25")
	c.Set("try-mtu-discovery", "false")
	c.Set("auth-timeout", "240")
	c.Set("cookie-timeout", "300")
	c.Set("deny-roaming", "false")
	c.Set("rekey-time", "172800")
	c.Set("rekey-method", "ssl")
	c.Set("device", r.Device())
	c.Set("predictable-ips", "true")
	c.Set("ipv4-network", r.PoolNet.Addr().String())
	c.Set("ipv4-netmask", net.IP(net.CIDRMask(r.PoolNet.Bits(), 32)).String())
	c.Set("dns", r.DefaultDNS())
	c.Set("route", r.DefaultRoute())
	c.Set("ping-leases", "false")
	c.Set("cisco-client-compat", "true")
	c.Set("dtls-legacy", "true")
	return c
}

// Device is the default tun device name prefix ("vpns" + ID); ocserv
// appends a number per session.
func (r *Rig) Device() string { return "vpns" + r.ID }

// DefaultDNS is the DNS server address in NewConfig (never contacted).
func (r *Rig) DefaultDNS() string {
	a := r.PoolNet.Addr().As4()
	return fmt.Sprintf("10.%d.%d.53", a[1], a[2])
}

// DefaultRoute is the route in NewConfig, in CIDR form (never contacted).
func (r *Rig) DefaultRoute() string {
	a := r.PoolNet.Addr().As4()
	return fmt.Sprintf("10.%d.%d.0/24", a[1]+100, a[2])
}

// Set replaces every value of key with values, keeping the position of the
// first occurrence (or appending). Set(key) with no values deletes it.
func (c *Config) Set(key string, values ...string) *Config {
	pos := -1
	kept := c.entries[:0:0]
	for _, e := range c.entries {
		if e.key == key {
			if pos < 0 {
				pos = len(kept)
			}
			continue
		}
		kept = append(kept, e)
	}
	if pos < 0 {
		pos = len(kept)
	}
	ins := make([]entry, 0, len(values))
	for _, v := range values {
		ins = append(ins, entry{key, v})
	}
	c.entries = append(kept[:pos], append(ins, kept[pos:]...)...)
	return c
}

// Add appends one more `key = value` line.
func (c *Config) Add(key, value string) *Config {
	c.entries = append(c.entries, entry{key, value})
	return c
}

// Del removes every line for key.
func (c *Config) Del(key string) *Config { return c.Set(key) }

// Get returns the values of key in order.
func (c *Config) Get(key string) []string {
	var vs []string
	for _, e := range c.entries {
		if e.key == key {
			vs = append(vs, e.value)
		}
	}
	return vs
}

// Raw appends verbatim lines after all key = value lines (for comments,
// deliberately malformed lines or [vhost:name] sections).
func (c *Config) Raw(lines ...string) *Config {
	c.raw = append(c.raw, lines...)
	return c
}

// String renders the file.
func (c *Config) String() string {
	var b strings.Builder
	b.WriteString("# written by the ocserv-go e2e rig\n")
	for _, e := range c.entries {
		fmt.Fprintf(&b, "%s = %s\n", e.key, e.value)
	}
	for _, l := range c.raw {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.String()
}

// Write writes the file (mode 0644).
func (c *Config) Write(path string) error {
	if err := os.WriteFile(path, []byte(c.String()), 0o644); err != nil {
		return fmt.Errorf("write config: %w", err)
	}
	return nil
}
