package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// netIrouteOutcome is what must be equal between the real ocserv and ours.
type netIrouteOutcome struct {
	AddLog, DelLog []string // route-add-cmd / route-del-cmd runs, device masked
	AliceRoutes    []string // routes alice's client received (expose-iroutes)
	BobRoutes      []string // routes bob's client received
	Wtmp           []string // bob's wtmp records, pid/device/time masked
}

// TestNetIroutes: a user's iroutes are installed on the server with
// route-add-cmd after connect (visible in the server namespace's routing
// table) and removed with route-del-cmd at disconnect; with expose-iroutes
// the iroutes of config-per-user are pushed to the other users but not to
// their owner; the login and logout records appear in wtmp (use-utmp
// default). Same outcome with the real ocserv and ours.
func TestNetIroutes(t *testing.T) {
	r := rig.New(t, rig.Options{Clients: 2})
	outcomes := map[serverKind]netIrouteOutcome{}
	runKinds(t, func(t *testing.T, kind serverKind) {
		// user names unique to this run: wtmp is the system's
		bob, alice := "irb"+string(kind[0])+r.ID, "ira"+string(kind[0])+r.ID
		r.AddUser(bob, "bob-Pass-1")
		r.AddUser(alice, "alice-Pass-1")
		perUser := filepath.Join(r.Dir, "peruser-"+string(kind))
		if err := os.MkdirAll(perUser, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(perUser, bob), []byte("iroute = 10.77.0.0/16\niroute = 10.78.0.0/255.255.0.0\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		logf := filepath.Join(r.Dir, "routes-"+string(kind)+".log")
		cfg := r.NewConfig().Set("config-per-user", perUser+"/").Set("expose-iroutes", "true").
			Set("route-add-cmd", "echo add %{R} %{RI} %{D} >> "+logf+"; ip route add %{RI} dev %{D}").
			Set("route-del-cmd", "echo del %R %{RI} %D >> "+logf+"; ip route del %{RI} dev %D")
		srv := startKind(t, r, kind, cfg)
		defer srv.Stop()
		var o netIrouteOutcome
		cb := r.Connect(rig.ClientOptions{Link: 0, User: bob, Password: "bob-Pass-1", NoDTLS: true})
		r.WaitFor(10*time.Second, "iroutes added", func() bool { return len(readLines(logf)) >= 2 })
		dev := ""
		if f := strings.Fields(firstLine(logf)); len(f) == 4 {
			dev = f[3]
		}
		for _, want := range []string{"10.77.0.0/16", "10.78.0.0/16"} {
			out := r.MustExec(r.ServerNS, "ip", "-4", "route", "show", want)
			if !strings.Contains(out, "dev "+dev) {
				t.Errorf("server route %s: %q, want dev %s", want, out, dev)
			}
		}
		ca := r.Connect(rig.ClientOptions{Link: 1, User: alice, Password: "alice-Pass-1", NoDTLS: true})
		for _, p := range ca.Routes() {
			o.AliceRoutes = append(o.AliceRoutes, p.String())
		}
		for _, p := range cb.Routes() {
			o.BobRoutes = append(o.BobRoutes, p.String())
		}
		slices.Sort(o.AliceRoutes)
		slices.Sort(o.BobRoutes)
		if err := ca.Disconnect(); err != nil {
			t.Fatal(err)
		}
		if err := cb.Disconnect(); err != nil {
			t.Fatal(err)
		}
		r.WaitFor(10*time.Second, "iroutes deleted", func() bool { return len(readLines(logf)) >= 4 })
		if out := r.MustExec(r.ServerNS, "ip", "-4", "route", "show"); strings.Contains(out, "10.77.") || strings.Contains(out, "10.78.") {
			t.Errorf("iroutes left on the server after disconnect:\n%s", out)
		}
		mask := regexp.MustCompile(regexp.QuoteMeta(r.Device()) + `[0-9]+`)
		for _, l := range readLines(logf) {
			l = mask.ReplaceAllString(l, "<dev>")
			if strings.HasPrefix(l, "add") {
				o.AddLog = append(o.AddLog, l)
			} else {
				o.DelLog = append(o.DelLog, l)
			}
		}
		r.WaitFor(5*time.Second, "wtmp logout record", func() bool { return len(wtmpRecords(t, bob, dev)) >= 2 })
		for _, rec := range wtmpRecords(t, bob, dev) {
			o.Wtmp = append(o.Wtmp, strings.ReplaceAll(mask.ReplaceAllString(rec, "<dev>"), bob, "<bob>"))
		}
		if !slices.Contains(o.AliceRoutes, "10.77.0.0/16") {
			t.Errorf("alice did not receive bob's exposed iroute 10.77.0.0/16: %q", o.AliceRoutes)
		}
		t.Logf("%s: %+v", kind, o)
		outcomes[kind] = o
		if kind == ourServer {
			// Deliberate difference (docs/compat.md): ocserv 1.1.6 exposes
			// only the first of bob's two iroutes and pushes it to bob
			// himself as well; ours exposes every iroute, to the other
			// users only.
			for _, want := range []string{"10.77.0.0/16", "10.78.0.0/16"} {
				if !slices.Contains(o.AliceRoutes, want) {
					t.Errorf("alice did not receive bob's exposed iroute %s: %q", want, o.AliceRoutes)
				}
				if slices.Contains(o.BobRoutes, want) {
					t.Errorf("bob received his own iroute %s: %q", want, o.BobRoutes)
				}
			}
		}
		if ref, ok := outcomes[realServer]; ok && kind == ourServer {
			o.AliceRoutes, o.BobRoutes = ref.AliceRoutes, ref.BobRoutes
			if d := fmt.Sprintf("%q", o); d != fmt.Sprintf("%q", ref) {
				t.Errorf("outcome differs from the real ocserv's:\nours: %+v\nreal: %+v", o, ref)
			}
		}
	})
}

func readLines(path string) []string {
	b, _ := os.ReadFile(path)
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

func firstLine(path string) string {
	if l := readLines(path); len(l) > 0 {
		return l[0]
	}
	return ""
}

// wtmpRecords returns the records of /var/log/wtmp for user (login) and
// for device dev (logout, which has no user), as "type user line host
// addr" with the pid and time left out.
func wtmpRecords(t *testing.T, user, dev string) []string {
	t.Helper()
	out, err := exec.Command("utmpdump", "/var/log/wtmp").Output()
	if err != nil {
		t.Fatalf("utmpdump: %v", err)
	}
	field := regexp.MustCompile(`\[([^\]]*)\]`)
	var recs []string
	seen := false // records from user's first login on
	for _, l := range strings.Split(string(out), "\n") {
		m := field.FindAllStringSubmatch(l, -1)
		if len(m) < 8 {
			continue
		}
		typ, usr, line, host, addr := m[0][1], strings.TrimSpace(m[3][1]), strings.TrimSpace(m[4][1]), strings.TrimSpace(m[5][1]), strings.TrimSpace(m[6][1])
		seen = seen || usr == user
		if seen && (usr == user || (dev != "" && line == dev && typ == "8")) {
			recs = append(recs, strings.Join([]string{typ, usr, line, host, addr}, " "))
		}
	}
	return recs
}
