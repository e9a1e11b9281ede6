package e2e

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// The RADIUS test runs freeradius 3.2 (a copy of /etc/freeradius/3.0 in
// the rig's directory, started in the server namespace) and points both
// servers at it with a radcli configuration using libradcli4's
// /etc/radcli/dictionary, as ocserv 1.1.6 (built with radcli) needs.

const radiusSecret = "testing123"

// freeradiusSite replaces the stock sites: authentication from the users
// file (files + pap), accounting written to the detail file.
const freeradiusSite = `server default {
listen {
	type = auth
	ipaddr = 127.0.0.1
	port = 1812
}
listen {
	type = acct
	ipaddr = 127.0.0.1
	port = 1813
}
authorize {
	files
	pap
}
authenticate {
	Auth-Type PAP {
		pap
	}
}
preacct {
	acct_unique
}
accounting {
	detail
}
post-auth {
}
}
`

// startFreeradius copies the system freeradius configuration to
// r.Dir/raddb (no user/group switch, pid file and logs below it, no eap:
// the stock certificates are not generated), writes the clients, users
// and site files and runs `freeradius -X` in the server namespace until
// it is ready. It returns the configuration directory.
func startFreeradius(t *testing.T, r *rig.Rig, users string) (string, *rig.Process) {
	t.Helper()
	rig.RequireProgram(t, "freeradius")
	dir := filepath.Join(r.Dir, "raddb")
	if out, err := runCmd(30*time.Second, "cp", "-a", "/etc/freeradius/3.0", dir); err != nil {
		t.Fatalf("copying the freeradius configuration: %v\n%s", err, out)
	}
	os.Remove(filepath.Join(dir, "mods-enabled", "eap"))
	ents, _ := os.ReadDir(filepath.Join(dir, "sites-enabled"))
	for _, e := range ents {
		os.Remove(filepath.Join(dir, "sites-enabled", e.Name()))
	}
	for _, d := range []string{"log", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	conf, err := os.ReadFile(filepath.Join(dir, "radiusd.conf"))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(string(conf), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[1] == "=" {
			switch f[0] {
			case "user", "group":
				continue
			case "raddbdir":
				l = "raddbdir = " + dir
			case "logdir":
				l = "logdir = " + dir + "/log"
			case "run_dir":
				l = "run_dir = " + dir + "/run"
			case "pidfile":
				l = "pidfile = " + dir + "/run/radiusd.pid"
			}
		}
		lines = append(lines, l)
	}
	files := map[string]string{
		"radiusd.conf":                strings.Join(lines, "\n"),
		"sites-enabled/ocgo":          freeradiusSite,
		"mods-config/files/authorize": users,
		"clients.conf": fmt.Sprintf("client loopback {\n\tipaddr = 127.0.0.1\n\tsecret = %s\n}\n"+
			"client rig {\n\tipaddr = %s/8\n\tsecret = %s\n}\n", radiusSecret, "10.0.0.0", radiusSecret),
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.Remove(p) // users is a symlink in the stock tree
		if err := os.WriteFile(p, []byte(body), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	fr := r.Start(r.ServerNS, "freeradius", "freeradius", "-X", "-d", dir)
	t.Cleanup(func() {
		if fr.Running() {
			syscall.Kill(fr.PID(), syscall.SIGTERM)
			fr.Wait(5 * time.Second)
		}
	})
	if !rig.WaitFor(20*time.Second, func() bool {
		return strings.Contains(fr.Log(), "Ready to process requests") || !fr.Running()
	}) || !fr.Running() {
		t.Fatalf("freeradius did not start:\n%s", tail(fr.Log(), 40))
	}
	return dir, fr
}

func tail(s string, n int) string {
	ls := strings.Split(s, "\n")
	if len(ls) > n {
		ls = ls[len(ls)-n:]
	}
	return strings.Join(ls, "\n")
}

// writeRadcliConf writes a radcli client configuration for freeradius on
// the server namespace's loopback and returns its path.
func writeRadcliConf(t *testing.T, r *rig.Rig) string {
	t.Helper()
	if _, err := os.Stat("/etc/radcli/dictionary"); err != nil {
		t.Fatalf("radcli dictionary (package libradcli4): %v", err)
	}
	servers := filepath.Join(r.Dir, "radcli-servers")
	conf := filepath.Join(r.Dir, "radiusclient.conf")
	if err := os.WriteFile(servers, []byte("127.0.0.1\t"+radiusSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	body := "authserver\t127.0.0.1:1812\nacctserver\t127.0.0.1:1813\nservers\t" + servers +
		"\ndictionary\t/etc/radcli/dictionary\ndefault_realm\nradius_timeout\t3\nradius_retries\t1\nbindaddr\t*\n"
	if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return conf
}

// acctRecord is one Accounting-Request from freeradius' detail file.
type acctRecord struct {
	names []string
	vals  map[string]string
}

// readDetail parses every detail file below raddb/log/radacct.
func readDetail(dir string) []acctRecord {
	paths, _ := filepath.Glob(filepath.Join(dir, "log", "radacct", "*", "detail-*"))
	var out []acctRecord
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		for _, blk := range strings.Split(string(b), "\n\n") {
			rec := acctRecord{vals: map[string]string{}}
			for _, l := range strings.Split(blk, "\n") {
				if !strings.HasPrefix(l, "\t") {
					continue // the time stamp header
				}
				k, v, ok := strings.Cut(strings.TrimSpace(l), " = ")
				if !ok {
					continue
				}
				rec.names = append(rec.names, k)
				rec.vals[k] = strings.Trim(v, `"`)
			}
			if len(rec.names) > 0 {
				out = append(out, rec)
			}
		}
	}
	return out
}

func userRecords(recs []acctRecord, user, status string) []acctRecord {
	var out []acctRecord
	for _, r := range recs {
		if r.vals["User-Name"] == user && r.vals["Acct-Status-Type"] == status {
			out = append(out, r)
		}
	}
	return out
}

// radiusMasked are the accounting attributes whose values differ between
// two runs (addresses of each rig, session ids, counters, time stamps).
var radiusMasked = map[string]bool{
	"NAS-IP-Address": true, "Calling-Station-Id": true, "Framed-IP-Address": true, "Acct-Session-Id": true,
	"Acct-Session-Time": true, "Acct-Input-Octets": true, "Acct-Output-Octets": true,
	"Acct-Input-Gigawords": true, "Acct-Output-Gigawords": true, "Acct-Delay-Time": true,
	"Acct-Unique-Session-Id": true, "Timestamp": true, "Event-Timestamp": true,
}

// summary is the sorted attribute list of rec, masked values as "*".
func (rec acctRecord) summary() []string {
	var out []string
	for _, n := range rec.names {
		v := rec.vals[n]
		if radiusMasked[n] {
			v = "*"
		}
		out = append(out, n+" = "+v)
	}
	sort.Strings(out)
	return slices.Compact(out)
}

var (
	frReceivedRe = regexp.MustCompile(`^\(\d+\) Received Access-Request Id \d+`)
	frAttrRe     = regexp.MustCompile(`^\(\d+\)\s+([A-Za-z0-9-]+) = (.*)$`)
)

// accessRequests returns the Access-Requests for user in freeradius' -X
// log, each as its sorted attribute list (NAS-IP-Address and
// Calling-Station-Id masked, the password left out), and whether each
// carried a Message-Authenticator.
func accessRequests(log, user string) (reqs [][]string, withMA []bool) {
	ls := strings.Split(log, "\n")
	for i := 0; i < len(ls); i++ {
		if !frReceivedRe.MatchString(ls[i]) {
			continue
		}
		var attrs []string
		ma, name := false, ""
		for i++; i < len(ls); i++ {
			m := frAttrRe.FindStringSubmatch(ls[i])
			if m == nil || strings.HasPrefix(m[1], "#") {
				break
			}
			switch m[1] {
			case "User-Name":
				name = strings.Trim(m[2], `"`)
			case "Message-Authenticator":
				ma = true
				continue
			case "NAS-IP-Address", "Calling-Station-Id", "User-Password":
				m[2] = "*"
			}
			attrs = append(attrs, m[1]+" = "+m[2])
		}
		i--
		if name == user {
			sort.Strings(attrs)
			reqs = append(reqs, attrs)
			withMA = append(withMA, ma)
		}
	}
	return reqs, withMA
}

// TestAuthRadius: auth = "radius[config=...,groupconfig=true]" and
// acct = "radius[config=...]" against freeradius 3.2. alice logs in, carol
// is rejected by the server, bob gets his Framed-IP-Address, Framed-Route
// and group (Class "OU=admins"), and his Start / Interim-Update / Stop
// reach freeradius with a 28-character Acct-Session-Id; the accounting
// attributes (values of the per-run ones masked) are the same for the
// real ocserv and ours.
func TestAuthRadius(t *testing.T) {
	if _, err := exec.LookPath("freeradius"); err != nil {
		t.Fatal("freeradius is not installed (scripts/deps.sh)")
	}
	acct := map[serverKind]map[string][]string{}
	accessReq := map[serverKind][]string{}
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			bobIP := r.PoolNet.Addr().Next().Next().Next().Next() // .4
			for i := 0; i < 73; i++ {
				bobIP = bobIP.Next() // .77
			}
			users := fmt.Sprintf(`alice	Cleartext-Password := "Alice-Pass-1"

bob	Cleartext-Password := "Bob-Pass-1"
	Framed-IP-Address = %s,
	Framed-Route = "10.77.0.0/16 0.0.0.0 1",
	Class = "OU=admins"

carol	Cleartext-Password := "Carol-Pass-1", Auth-Type := Reject
	Reply-Message = "Access denied"
`, bobIP)
			raddb, fr := startFreeradius(t, r, users)
			conf := writeRadcliConf(t, r)
			script, envDir := scriptDumper(t, r, "connect", 0)
			cfg := r.NewConfig().
				Set("auth", fmt.Sprintf(`"radius[config=%s,groupconfig=true]"`, conf)).
				Set("acct", fmt.Sprintf(`"radius[config=%s]"`, conf)).
				Set("stats-report-time", "3").
				Set("connect-script", script)
			srv := startKind(t, r, kind, cfg)
			defer func() {
				if t.Failed() {
					t.Logf("server log:\n%s\nfreeradius log:\n%s", tail(srv.Log(), 60), tail(fr.Log(), 80))
				}
			}()

			c := mustLogin(t, r, "alice", rig.ClientOptions{User: "alice", Password: "Alice-Pass-1"})
			c.Disconnect()
			mustRefuse(t, r, "carol (Auth-Type Reject)", rig.ClientOptions{User: "carol", Password: "Carol-Pass-1"})
			if !strings.Contains(fr.Log(), "Sent Access-Reject") {
				t.Errorf("freeradius sent no Access-Reject for carol")
			}

			c = mustLogin(t, r, "bob", rig.ClientOptions{User: "bob", Password: "Bob-Pass-1"})
			if ip := c.IP(); ip != bobIP {
				t.Errorf("bob's address %v, want the Framed-IP-Address %v", ip, bobIP)
			}
			if want := netip.MustParsePrefix("10.77.0.0/16"); !slices.Contains(c.Routes(), want) {
				t.Errorf("bob's routes %v, want the Framed-Route %v", c.Routes(), want)
			}
			env := waitScriptEnv(t, envDir, "connect-bob-", 10*time.Second)
			if env["GROUPNAME"] != "admins" {
				t.Errorf("bob's GROUPNAME = %q, want admins (Class OU=admins)", env["GROUPNAME"])
			}
			if !rig.WaitFor(20*time.Second, func() bool {
				return len(userRecords(readDetail(raddb), "bob", "Interim-Update")) > 0
			}) {
				t.Fatalf("no Interim-Update for bob within 20 s; detail: %v", readDetail(raddb))
			}
			c.Disconnect()
			if !rig.WaitFor(15*time.Second, func() bool {
				return len(userRecords(readDetail(raddb), "bob", "Stop")) > 0
			}) {
				t.Fatalf("no Stop for bob within 15 s; detail: %v", readDetail(raddb))
			}
			recs := readDetail(raddb)
			for _, who := range []string{"alice", "bob"} {
				for _, st := range []string{"Start", "Stop"} {
					if n := len(userRecords(recs, who, st)); n != 1 {
						t.Errorf("%s: %d accounting %s records, want 1", who, n, st)
					}
				}
			}
			got := map[string][]string{}
			var sid string
			for _, st := range []string{"Start", "Interim-Update", "Stop"} {
				for _, rec := range userRecords(recs, "bob", st) {
					id := rec.vals["Acct-Session-Id"]
					if len(id) != 28 {
						t.Errorf("bob %s: Acct-Session-Id %q is not 28 characters", st, id)
					}
					if sid == "" {
						sid = id
					} else if id != sid {
						t.Errorf("bob %s: Acct-Session-Id %q, Start had %q", st, id, sid)
					}
					if st != "Start" && rec.vals["Framed-IP-Address"] != bobIP.String() {
						t.Errorf("bob %s: Framed-IP-Address %q, want %v", st, rec.vals["Framed-IP-Address"], bobIP)
					}
					if _, ok := rec.vals["NAS-Port"]; ok {
						t.Errorf("bob %s carries NAS-Port", st)
					}
					got[st] = mergeSorted(got[st], rec.summary())
				}
				t.Logf("bob %s:\n\t%s", st, strings.Join(got[st], "\n\t"))
			}
			for _, rec := range userRecords(recs, "bob", "Start") {
				if _, ok := rec.vals["Framed-IP-Address"]; ok {
					t.Errorf("the Start record has a Framed-IP-Address (ocserv 1.1.6 sends none)")
				}
			}
			acct[kind] = got
			reqs, withMA := accessRequests(fr.Log(), "bob")
			if len(reqs) != 1 {
				t.Fatalf("bob: %d Access-Requests in the freeradius log, want 1", len(reqs))
			}
			accessReq[kind] = reqs[0]
			t.Logf("bob Access-Request (Message-Authenticator: %v):\n\t%s", withMA[0], strings.Join(reqs[0], "\n\t"))
			if kind == ourServer && !withMA[0] {
				t.Errorf("ours sent the Access-Request without Message-Authenticator")
			}
			if slices.ContainsFunc(reqs[0], func(a string) bool { return strings.HasPrefix(a, "NAS-Port =") }) {
				t.Errorf("the Access-Request carries NAS-Port")
			}
		})
	}
	if acct[realServer] != nil && acct[ourServer] != nil {
		for _, st := range []string{"Start", "Interim-Update", "Stop"} {
			if a, b := acct[realServer][st], acct[ourServer][st]; !slices.Equal(a, b) {
				t.Errorf("accounting %s differs:\nreal: %s\nours: %s", st, strings.Join(a, "; "), strings.Join(b, "; "))
			}
		}
		// Ours adds Message-Authenticator (Blast-RADIUS); the rest is equal.
		if a, b := accessReq[realServer], accessReq[ourServer]; !slices.Equal(a, b) {
			t.Errorf("Access-Request differs:\nreal: %s\nours: %s", strings.Join(a, "; "), strings.Join(b, "; "))
		}
	}
}

func mergeSorted(a, b []string) []string {
	out := append(append([]string(nil), a...), b...)
	sort.Strings(out)
	return slices.Compact(out)
}
