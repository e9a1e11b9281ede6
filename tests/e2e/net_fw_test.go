package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestNetFirewall: with restrict-user-to-routes and restrict-user-to-ports
// main runs /usr/bin/ocserv-fw instead of the connect and disconnect
// scripts, with the configured script in OCSERV_NEXT_SCRIPT; ocserv-fw
// installs its iptables/ip6tables rules in the server namespace (where the
// server runs) and then runs the configured script with sh. Checked for
// the real ocserv and ours: the environment the configured script sees
// (through ocserv-fw), the rules ocserv-fw made (device names masked),
// forwarded traffic from the VPN client to a host behind the server
// (client namespace 1) allowed or refused as configured, for an allow list
// (global) and a deny list (config-per-user), and no rule left after the
// disconnect. The host's own tables are never touched.
func TestNetFirewall(t *testing.T) {
	rig.RequireProgram(t, "iptables", "ip6tables", "iptables-save", "ip6tables-save", "bash")
	r := rig.New(t, rig.Options{Clients: 2})
	hostBefore := hostFwRules(t)
	r.MustExec(r.ServerNS, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	behind := r.Link(1)
	// client namespace 1 is the "LAN" host behind the server
	r.MustExec(behind.NS, "ip", "route", "add", r.PoolNet.String(), "via", behind.ServerAddr.String())
	// and answers at outside too, an address in none of the user's routes:
	// restrict-user-to-routes must refuse it
	r.MustExec(behind.NS, "ip", "addr", "add", fwOutside+"/32", "dev", behind.ClientIf)
	r.MustExec(r.ServerNS, "ip", "route", "add", fwOutside+"/32", "via", behind.ClientAddr.String())
	r.AddUser("fwalice", "alice-Pass-1")
	r.AddUser("fwbob", "bob-Pass-1")

	type fwOutcome struct {
		Env      map[string]scriptRun // "<reason>-<user>" -> masked env
		Rules    map[string]string    // user -> iptables-save + ip6tables-save, masked
		Traffic  map[string]string    // "<user> <probe>" -> ok / refused / ...
		LeftOver string               // rules left after both disconnected
	}
	outcomes := map[serverKind]fwOutcome{}
	runKinds(t, func(t *testing.T, kind serverKind) {
		o := fwOutcome{Env: map[string]scriptRun{}, Rules: map[string]string{}, Traffic: map[string]string{}}
		script, dir := scriptDumper(t, r, "fw-"+string(kind), 0)
		perUser := filepath.Join(r.Dir, "fw-peruser-"+string(kind))
		if err := os.MkdirAll(perUser, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(perUser, "fwbob"), []byte("restrict-user-to-ports = \"!(tcp(22))\"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		// ocserv-fw names a chain FORWARD-ocserv-fw-DEVICE, which iptables
		// limits to 28 characters: the rig's long device prefix will not do
		// (the tun device lives in the server namespace, so the name is
		// private to this rig anyway).
		cfg := r.NewConfig().Set("device", fwDevice).Set("connect-script", script).Set("disconnect-script", script).
			Set("restrict-user-to-routes", "true").
			Set("restrict-user-to-ports", `"tcp(443), udp(53), icmp()"`).
			Set("config-per-user", perUser+"/").
			Add("route", behind.ClientAddr.String()+"/32").
			Add("no-route", "10.251.0.0/16")
		srv := startKind(t, r, kind, cfg)
		defer srv.Stop()

		for _, u := range []struct{ name, pass string }{{"fwalice", "alice-Pass-1"}, {"fwbob", "bob-Pass-1"}} {
			c := r.Connect(rig.ClientOptions{User: u.name, Password: u.pass, NoDTLS: true})
			env := waitScriptEnv(t, dir, "connect-"+u.name+"-", 10*time.Second)
			o.Env["connect-"+u.name] = fwMaskEnv(r, env)
			dev := env["DEVICE"]
			o.Rules[u.name] = fwRules(t, r, dev)
			if !strings.Contains(o.Rules[u.name], "ocserv-fw") {
				t.Errorf("%s: no ocserv-fw rule in the server namespace:\n%s", u.name, o.Rules[u.name])
			}
			if err := c.Ping(behind.ClientAddr, 2); err != nil {
				o.Traffic[u.name+" ping"] = "fail"
			} else {
				o.Traffic[u.name+" ping"] = "ok"
			}
			for _, port := range []int{443, 22, 8080} {
				o.Traffic[fmt.Sprintf("%s tcp/%d", u.name, port)] = tcpProbe(t, r, c.NS, behind.NS, behind.ClientAddr.String(), port)
			}
			// the client sends to outside through the tunnel although the
			// server did not route it there
			r.MustExec(c.NS, "ip", "route", "replace", fwOutside+"/32", "dev", c.TunDev())
			o.Traffic[u.name+" outside tcp/443"] = tcpProbe(t, r, c.NS, behind.NS, fwOutside, 443)
			if err := c.Disconnect(); err != nil {
				t.Fatal(err)
			}
			dis := waitScriptEnv(t, dir, "disconnect-"+u.name+"-", 10*time.Second)
			o.Env["disconnect-"+u.name] = fwMaskEnv(r, dis)
			r.WaitFor(5*time.Second, "ocserv-fw rules removed for "+dev, func() bool {
				return !strings.Contains(rawFwRules(t, r), "ocserv-fw")
			})
		}
		o.LeftOver = rawFwRules(t, r)
		srv.Stop()

		// what the configuration asks for
		want := map[string]string{
			"fwalice ping": "ok", "fwalice tcp/443": "ok", "fwalice tcp/22": "refused", "fwalice tcp/8080": "refused",
			"fwbob ping": "ok", "fwbob tcp/443": "ok", "fwbob tcp/22": "refused", "fwbob tcp/8080": "ok",
			"fwalice outside tcp/443": "refused", "fwbob outside tcp/443": "refused",
		}
		for k, w := range want {
			if o.Traffic[k] != w {
				t.Errorf("%s: %s, want %s", k, o.Traffic[k], w)
			}
		}
		for k, w := range map[string]string{
			"connect-fwalice": "tcp 443 udp 53 icmp all ", "disconnect-fwalice": "tcp 443 udp 53 icmp all ",
		} {
			if g := o.Env[k]["OCSERV_ALLOW_PORTS"]; g != w {
				t.Errorf("%s: OCSERV_ALLOW_PORTS = %q, want %q", k, g, w)
			}
		}
		if g := o.Env["connect-fwbob"]["OCSERV_DENY_PORTS"]; g != "tcp 22 " {
			t.Errorf("fwbob: OCSERV_DENY_PORTS = %q, want %q", g, "tcp 22 ")
		}
		for k, e := range o.Env {
			if e["OCSERV_RESTRICT_TO_ROUTES"] != "1" {
				t.Errorf("%s: OCSERV_RESTRICT_TO_ROUTES = %q, want 1", k, e["OCSERV_RESTRICT_TO_ROUTES"])
			}
			if _, ok := e["OCSERV_NEXT_SCRIPT"]; ok {
				t.Errorf("%s: OCSERV_NEXT_SCRIPT reached the configured script (ocserv-fw unsets it)", k)
			}
		}
		if strings.Contains(o.LeftOver, "ocserv-fw") {
			t.Errorf("ocserv-fw rules left after disconnect:\n%s", o.LeftOver)
		}
		if h := hostFwRules(t); h != hostBefore {
			t.Errorf("the host's ocserv-fw rules changed:\nbefore:\n%s\nafter:\n%s", hostBefore, h)
		}
		t.Logf("%s: traffic %v\nrules (fwalice):\n%s\nrules (fwbob):\n%s", kind, o.Traffic, o.Rules["fwalice"], o.Rules["fwbob"])
		outcomes[kind] = o
		ref, ok := outcomes[realServer]
		if !ok || kind != ourServer {
			return
		}
		for k, w := range ref.Env {
			if d := diffEnv(o.Env[k], w); len(d) > 0 {
				t.Errorf("%s script environment differs from the real ocserv's:\n%s", k, strings.Join(d, "\n"))
			}
		}
		for u, w := range ref.Rules {
			if o.Rules[u] != w {
				t.Errorf("%s: ocserv-fw rules differ from the real ocserv's:\nours:\n%s\nreal:\n%s", u, o.Rules[u], w)
			}
		}
		if fmt.Sprint(o.Traffic) != fmt.Sprint(ref.Traffic) {
			t.Errorf("traffic differs from the real ocserv's:\nours: %v\nreal: %v", o.Traffic, ref.Traffic)
		}
	})
}

// fwDevice is the tun device prefix of TestNetFirewall.
const fwDevice = "ocfw"

// fwOutside is an address behind the server in none of the routes of
// TestNetFirewall (it exists only in the rig's namespaces).
const fwOutside = "10.252.0.1"

// fwMaskEnv is maskEnv with the fwDevice device names masked too.
func fwMaskEnv(r *rig.Rig, env map[string]string) scriptRun {
	m := maskEnv(r, env)
	if regexp.MustCompile(`^` + fwDevice + `[0-9]+$`).MatchString(m["DEVICE"]) {
		m["DEVICE"] = "<device>"
	}
	return m
}

// rawFwRules is iptables-save and ip6tables-save of the server namespace
// without comment lines and counters.
func rawFwRules(t *testing.T, r *rig.Rig) string {
	t.Helper()
	var b strings.Builder
	counters := regexp.MustCompile(`\[[0-9]+:[0-9]+\]`)
	for _, prog := range []string{"iptables-save", "ip6tables-save"} {
		out := r.MustExec(r.ServerNS, prog)
		for _, l := range strings.Split(out, "\n") {
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			b.WriteString(prog + ": " + counters.ReplaceAllString(l, "[0:0]") + "\n")
		}
	}
	return b.String()
}

// fwRules is rawFwRules with dev (and any fwDevice name) masked.
func fwRules(t *testing.T, r *rig.Rig, dev string) string {
	t.Helper()
	s := rawFwRules(t, r)
	if dev != "" {
		s = strings.ReplaceAll(s, dev, "<dev>")
	}
	return regexp.MustCompile(fwDevice+`[0-9]+`).ReplaceAllString(s, "<dev>")
}

// hostFwRules is the host's iptables rules that mention ocserv-fw
// (normally none); a test must never change them.
func hostFwRules(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, prog := range []string{"iptables-save", "ip6tables-save"} {
		out, err := runCmd(10*time.Second, prog)
		if err != nil {
			t.Fatalf("%s on the host: %v\n%s", prog, err, out)
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, "ocserv-fw") {
				b.WriteString(l + "\n")
			}
		}
	}
	return b.String()
}

// tcpProbe connects from namespace fromNS to addr:port, where a listener
// (the tcp helper) runs in toNS, and returns "ok" (connected),
// "refused" (connection refused: an iptables REJECT, since the listener
// is there) or "timeout"/"error: ...".
func tcpProbe(t *testing.T, r *rig.Rig, fromNS, toNS, addr string, port int) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	recv := r.Start(toNS, fmt.Sprintf("fwrecv-%d-%d", port, time.Now().UnixNano()),
		"env", "OCR_TCPHELPER=recv", fmt.Sprintf("OCR_ADDR=%s:%d", addr, port), exe)
	defer recv.Stop(2 * time.Second)
	if !rig.WaitFor(10*time.Second, func() bool { return strings.Contains(recv.Log(), "listening") || !recv.Running() }) || !recv.Running() {
		t.Fatalf("tcp listener on %s:%d did not start: %s", addr, port, recv.Log())
	}
	out, err := r.ExecTimeout(10*time.Second, fromNS, "timeout", "5", "bash", "-c",
		fmt.Sprintf("exec 3<>/dev/tcp/%s/%d && echo connected", addr, port))
	switch {
	case err == nil && strings.Contains(out, "connected"):
		return "ok"
	case strings.Contains(out, "refused"):
		return "refused"
	case strings.Contains(out, "timed out") || strings.Contains(fmt.Sprint(err), "124"):
		return "timeout"
	}
	return fmt.Sprintf("error: %v: %s", err, strings.TrimSpace(out))
}
