package rig

import (
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ClientOptions describe one openconnect run.
type ClientOptions struct {
	// Link is the client namespace index (default 0).
	Link int
	// User is passed as --user (omitted when empty).
	User string
	// Password is written to stdin, followed by a newline
	// (--passwd-on-stdin). Stdin, when non-empty, is written instead, as is.
	Password string
	Stdin    string
	// NoDTLS adds --no-dtls.
	NoDTLS bool
	// Cert adds -c/-k with a client certificate.
	Cert *ClientCert
	// Args are extra openconnect arguments (before the URL).
	Args []string
	// Server overrides the address in the URL (default: the link's
	// server address); Port overrides 443; Path is appended after "/".
	Server netip.Addr
	Port   int
	Path   string
	// Host, when set, is the host name in the URL (so openconnect sends it
	// as TLS SNI and Host header); --resolve HOST:ADDR makes openconnect
	// connect to the server address anyway (no DNS involved).
	Host string
	// Pin overrides --servercert (default r.PKI.ServerPin).
	Pin string
	// Program is the client program (default "openconnect").
	Program string
	// Timeout bounds the wait for the tunnel in Connect, or for the exit
	// in ConnectFail (default 20 s).
	Timeout time.Duration
	// Env holds extra KEY=VALUE variables for openconnect and its script.
	Env []string
}

// Client is an openconnect process in a client namespace.
type Client struct {
	r        *Rig
	p        *proc
	Name     string // "c<link>-<n>"
	NS       string // client namespace
	StateDir string // the client script writes here
	LogPath  string // openconnect's output
}

// Result is the outcome of a client run that ended.
type Result struct {
	ExitCode int    // -1 if killed by a signal (e.g. the timeout)
	Output   string // openconnect's output
	TunnelUp bool   // the script saw reason=connect
	TimedOut bool   // it had to be killed
}

// clientScript stands in for vpnc-script. openconnect runs it with the
// connection details in its environment; it saves that environment
// (NUL-separated) per reason, configures the tun device and routes in the
// client namespace, and marks the tunnel up.
const clientScript = `#!/bin/sh
# Written by the ocserv-go e2e rig; stands in for vpnc-script.
d="$OCR_STATE"
[ -n "$d" ] || exit 1
env -0 >"$d/$reason.env.tmp" && mv -f "$d/$reason.env.tmp" "$d/$reason.env"
echo "$reason" >>"$d/events"
case "$reason" in
connect)
	ip link set dev "$TUNDEV" up mtu "${INTERNAL_IP4_MTU:-1300}" || exit 1
	if [ -n "$INTERNAL_IP4_ADDRESS" ]; then
		ip addr add "$INTERNAL_IP4_ADDRESS/32" dev "$TUNDEV" || exit 1
	fi
	if [ -n "$INTERNAL_IP4_NETADDR" ] && [ -n "$INTERNAL_IP4_NETMASK" ]; then
		ip route replace "$INTERNAL_IP4_NETADDR/$INTERNAL_IP4_NETMASK" dev "$TUNDEV" || exit 1
	fi
	n=${CISCO_SPLIT_INC:-0}
	i=0
	while [ "$i" -lt "$n" ] && [ "$i" -lt 1000 ]; do
		eval a=\$CISCO_SPLIT_INC_${i}_ADDR
		eval m=\$CISCO_SPLIT_INC_${i}_MASKLEN
		ip route replace "$a/$m" dev "$TUNDEV" || echo "rig-script: route $a/$m failed" >&2
		i=$((i + 1))
	done
	if [ "$n" = 0 ]; then
		ip route replace default dev "$TUNDEV" || exit 1
	fi
	: >"$d/up"
	;;
disconnect)
	: >"$d/down"
	;;
esac
exit 0
`

func (r *Rig) scriptPath() (string, error) {
	p := filepath.Join(r.Dir, "client-script.sh")
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	if err := os.WriteFile(p, []byte(clientScript), 0o755); err != nil {
		return "", fmt.Errorf("write client script: %w", err)
	}
	return p, nil
}

// StartClient starts openconnect in a client namespace and returns at once.
// Use WaitUp, or Connect which does both.
func (r *Rig) StartClient(opt ClientOptions) *Client {
	r.T.Helper()
	l := r.Link(opt.Link)
	if opt.Program == "" {
		opt.Program = Openconnect
	}
	if !opt.Server.IsValid() {
		opt.Server = l.ServerAddr
	}
	if opt.Port == 0 {
		opt.Port = 443
	}
	if opt.Pin == "" {
		opt.Pin = r.PKI.ServerPin
	}
	script, err := r.scriptPath()
	if err != nil {
		r.T.Fatalf("rig: %v", err)
	}
	r.mu.Lock()
	name := fmt.Sprintf("c%d-%d", opt.Link, len(r.clients))
	r.mu.Unlock()
	c := &Client{r: r, Name: name, NS: l.NS, StateDir: filepath.Join(r.Dir, "clients", name)}
	c.LogPath = c.StateDir + ".log"
	if err := os.MkdirAll(c.StateDir, 0o755); err != nil {
		r.T.Fatalf("rig: %v", err)
	}
	argv := []string{opt.Program, "--non-inter", "--passwd-on-stdin", "--servercert", opt.Pin, "--script", script}
	if opt.User != "" {
		argv = append(argv, "--user="+opt.User)
	}
	if opt.NoDTLS {
		argv = append(argv, "--no-dtls")
	}
	if opt.Cert != nil {
		argv = append(argv, "-c", opt.Cert.Cert, "-k", opt.Cert.Key)
	}
	argv = append(argv, opt.Args...)
	if opt.Host != "" {
		argv = append(argv, "--resolve="+opt.Host+":"+opt.Server.String())
		argv = append(argv, fmt.Sprintf("https://%s:%d/%s", opt.Host, opt.Port, opt.Path))
	} else {
		argv = append(argv, fmt.Sprintf("https://%s/%s", netip.AddrPortFrom(opt.Server, uint16(opt.Port)), opt.Path))
	}
	stdin := opt.Stdin
	if stdin == "" {
		stdin = opt.Password + "\n"
	}
	env := append([]string{"OCR_STATE=" + c.StateDir}, opt.Env...)
	p, err := r.startProc(l.NS, argv, strings.NewReader(stdin), c.LogPath, env)
	if err != nil {
		r.T.Fatalf("rig: client: %v", err)
	}
	c.p = p
	r.mu.Lock()
	r.clients = append(r.clients, c)
	r.mu.Unlock()
	return c
}

// Connect starts a client and waits until its tunnel is up (the script ran
// with reason=connect), failing the test with the client's log otherwise.
func (r *Rig) Connect(opt ClientOptions) *Client {
	r.T.Helper()
	c := r.StartClient(opt)
	if err := c.WaitUp(timeoutOr(opt.Timeout, 20*time.Second)); err != nil {
		r.T.Fatalf("rig: %v\n--- client %s log ---\n%s", err, c.Name, tail(c.Log(), 40))
	}
	return c
}

// ConnectFail runs a client that is expected to fail (e.g. a wrong password)
// and returns how it ended. If the tunnel comes up after all, the client is
// stopped at once and TunnelUp reported; one still running at the timeout
// is stopped and reported with TimedOut. It does not fail the test itself.
func (r *Rig) ConnectFail(opt ClientOptions) *Result {
	r.T.Helper()
	c := r.StartClient(opt)
	res := &Result{}
	// Stop as soon as it exits or (unexpectedly) brings the tunnel up.
	if !WaitFor(timeoutOr(opt.Timeout, 20*time.Second), func() bool { return c.p.exited() || c.Up() }) {
		res.TimedOut = true
	}
	if !c.p.exited() {
		c.p.terminate(syscall.SIGTERM, 5*time.Second)
	}
	res.ExitCode = c.p.exitCode()
	res.Output = c.Log()
	res.TunnelUp = c.Up()
	return res
}

// WaitUp waits until the tunnel is up, or fails early if openconnect exits.
func (c *Client) WaitUp(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if c.Up() {
			return nil
		}
		if c.p.exited() {
			return fmt.Errorf("openconnect %s exited (code %d) before the tunnel came up", c.Name, c.p.exitCode())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("openconnect %s: tunnel not up within %v", c.Name, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Up reports whether the script has configured the tunnel.
func (c *Client) Up() bool {
	_, err := os.Stat(filepath.Join(c.StateDir, "up"))
	return err == nil
}

// Running reports whether openconnect is still running.
func (c *Client) Running() bool { return !c.p.exited() }

// PID of the openconnect process.
func (c *Client) PID() int { return c.p.pid() }

// Log is openconnect's output so far.
func (c *Client) Log() string { return readFile(c.LogPath) }

// Events lists the script's invocations by reason, in order
// (e.g. pre-init, connect, disconnect).
func (c *Client) Events() []string {
	return strings.Fields(readFile(filepath.Join(c.StateDir, "events")))
}

// EnvFor returns the environment the script got for reason (nil if the
// script never ran with it).
func (c *Client) EnvFor(reason string) map[string]string {
	b, err := os.ReadFile(filepath.Join(c.StateDir, reason+".env"))
	if err != nil {
		return nil
	}
	m := map[string]string{}
	for _, kv := range bytes.Split(b, []byte{0}) {
		if k, v, ok := strings.Cut(string(kv), "="); ok {
			m[k] = v
		}
	}
	return m
}

// Env is the environment of the connect call of the script.
func (c *Client) Env() map[string]string { return c.EnvFor("connect") }

// TunDev is the client's tun device name.
func (c *Client) TunDev() string { return c.Env()["TUNDEV"] }

// IP is the IPv4 address the server assigned (INTERNAL_IP4_ADDRESS).
func (c *Client) IP() netip.Addr {
	a, _ := netip.ParseAddr(c.Env()["INTERNAL_IP4_ADDRESS"])
	return a
}

// Netmask is INTERNAL_IP4_NETMASK as sent by the server.
func (c *Client) Netmask() string { return c.Env()["INTERNAL_IP4_NETMASK"] }

// DNS lists INTERNAL_IP4_DNS.
func (c *Client) DNS() []string { return strings.Fields(c.Env()["INTERNAL_IP4_DNS"]) }

// Routes lists the split-include routes (CISCO_SPLIT_INC_*), sorted.
func (c *Client) Routes() []netip.Prefix { return c.splitList("CISCO_SPLIT_INC") }

// ExcludedRoutes lists the split-exclude routes (CISCO_SPLIT_EXC_*), sorted.
func (c *Client) ExcludedRoutes() []netip.Prefix { return c.splitList("CISCO_SPLIT_EXC") }

func (c *Client) splitList(prefix string) []netip.Prefix {
	env := c.Env()
	n, _ := strconv.Atoi(env[prefix])
	var ps []netip.Prefix
	for i := 0; i < n && i < 10000; i++ {
		a, err := netip.ParseAddr(env[fmt.Sprintf("%s_%d_ADDR", prefix, i)])
		if err != nil {
			continue
		}
		bits, err := strconv.Atoi(env[fmt.Sprintf("%s_%d_MASKLEN", prefix, i)])
		if err != nil {
			continue
		}
		ps = append(ps, netip.PrefixFrom(a, bits))
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].String() < ps[j].String() })
	return ps
}

// Ping pings addr from the client's namespace (see Rig.Ping).
func (c *Client) Ping(addr netip.Addr, count int) error { return c.r.Ping(c.NS, addr, count) }

// Disconnect SIGTERMs openconnect (it logs out) and waits up to 10 s for it
// to exit; if it does not, it is killed and an error returned.
func (c *Client) Disconnect() error {
	if c.p.exited() {
		return fmt.Errorf("openconnect %s had already exited (code %d)", c.Name, c.p.exitCode())
	}
	if !c.p.terminate(syscall.SIGTERM, 10*time.Second) {
		return fmt.Errorf("openconnect %s did not exit within 10 s of SIGTERM; killed", c.Name)
	}
	return nil
}

// ExitCode is openconnect's exit status once it has exited (else -1).
func (c *Client) ExitCode() int { return c.p.exitCode() }

// WaitExit waits up to d for openconnect to exit on its own.
func (c *Client) WaitExit(d time.Duration) bool { return c.p.wait(d) }

func (c *Client) stop(d time.Duration) { c.p.terminate(syscall.SIGTERM, d) }

func timeoutOr(d, def time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return def
}
