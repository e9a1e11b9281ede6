package hostile

// Hostile directory data (issue 10): the pam[gid-min=N] auto-select-group
// list comes from NSS, i.e. from whatever an LDAP or SSSD directory
// holds. Here nss_wrapper (preloaded into the server) serves a group
// database with 5000 groups above gid-min (ocserv 1.1.6 offers the first
// 128, so does ours: pam.SystemGroupsLimit) and a group name carrying a
// control byte (nss_wrapper's file format cannot carry a newline). Both
// servers must still start and serve a login form to every client; ours
// must offer a bounded list and leave out the control-character name
// (ocserv 1.1.6 sends it raw). Group names are inserted into the form unescaped, as
// ocserv does (internal/authxml), so names with XML metacharacters are not
// tried here. Against the real ocserv 1.1.6 first, then ours.
// Self-contained: every helper carries the "nss" prefix.

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// nssManyGroups is how many well-formed groups the directory holds above
// gid-min.
const nssManyGroups = 5000

// nssOursMaxGroups is ours' bound on the list (pam.SystemGroupsLimit,
// ocserv 1.1.6's 128).
const nssOursMaxGroups = 128

func nssKinds() []string {
	v := os.Getenv("OCSERV_E2E_SERVERS")
	var out []string
	for _, k := range []string{"real", "ours"} {
		if v == "" || strings.Contains(","+strings.ReplaceAll(v, " ", "")+",", ","+k+",") {
			out = append(out, k)
		}
	}
	return out
}

// nssWrapperLib finds libnss_wrapper.so (Debian package libnss-wrapper);
// a missing library fails the test.
func nssWrapperLib(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"} {
		p := filepath.Join(d, "libnss_wrapper.so")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("libnss_wrapper.so not found: install the Debian package libnss-wrapper (scripts/deps.sh)")
	return ""
}

// nssWriteDB writes copies of /etc/passwd and /etc/group (so nobody and
// nogroup resolve) with groupAdd appended into dir and returns the
// environment that makes a server read them through NSS.
func nssWriteDB(t *testing.T, dir, lib string, groupAdd []string) []string {
	t.Helper()
	pw, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	gr, err := os.ReadFile("/etc/group")
	if err != nil {
		t.Fatal(err)
	}
	passwd, group := filepath.Join(dir, "nss-passwd"), filepath.Join(dir, "nss-group")
	if err := os.WriteFile(passwd, pw, 0o644); err != nil {
		t.Fatal(err)
	}
	data := strings.TrimRight(string(gr), "\n") + "\n" + strings.Join(groupAdd, "\n") + "\n"
	if err := os.WriteFile(group, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return []string{"LD_PRELOAD=" + lib, "NSS_WRAPPER_PASSWD=" + passwd, "NSS_WRAPPER_GROUP=" + group}
}

// nssFreeGIDs fails the test when /etc/group uses a gid in [base, base+n).
func nssFreeGIDs(t *testing.T, base, n int) {
	t.Helper()
	data, err := os.ReadFile("/etc/group")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Split(l, ":"); len(f) >= 3 {
			if gid, err := strconv.Atoi(f[2]); err == nil && gid >= base && gid < base+n {
				t.Fatalf("gid %d is taken in /etc/group (%s)", gid, f[0])
			}
		}
	}
}

func TestNSSHostileGroups(t *testing.T) {
	lib := nssWrapperLib(t)
	for _, kind := range nssKinds() {
		ok := t.Run(kind, func(t *testing.T) { nssHostileRun(t, lib, kind) })
		if !ok && kind == "real" {
			t.Fatal("the reference run with the real ocserv failed")
		}
	}
}

func nssHostileRun(t *testing.T, lib, kind string) {
	r := rig.New(t, rig.Options{})
	base := 30000 + os.Getpid()%50*200
	const span = nssManyGroups + 10
	nssFreeGIDs(t, base, span)
	lines := []string{
		fmt.Sprintf("ocnhctl\x01bad:x:%d:", base+2),
	}
	for i := 0; i < nssManyGroups; i++ {
		lines = append(lines, fmt.Sprintf("ocnh%05d:x:%d:", i, base+3+i))
	}
	env := nssWriteDB(t, r.Dir, lib, lines)
	cfg := r.NewConfig().Set("auth", fmt.Sprintf(`"pam[gid-min=%d]"`, base)).Set("auto-select-group", "true")
	bin := rig.RealOcserv
	if kind == "ours" {
		bin = rig.BuildOurs(t, "ocserv")
	}
	r.StartServer(cfg, rig.ServerOptions{Binary: bin, Debug: 1, Env: env})

	l := r.Link(0)
	url := fmt.Sprintf("https://%s/", l.ServerAddr)
	out, err := r.ExecTimeout(30*time.Second, l.NS, "curl", "-sk", "--max-time", "20",
		"-H", "X-Transcend-Version: 1", "-H", "X-Aggregate-Auth: 1",
		"-A", "Open AnyConnect VPN Agent v9.12", url)
	if err != nil || !strings.Contains(out, "<auth") {
		t.Fatalf("%s: no login form: %v\n%.2000s", kind, err, out)
	}
	n := strings.Count(out, "<option")
	ctl := strings.Contains(out, "\x01")
	t.Logf("%s: form of %d bytes, %d options, control byte %v", kind, len(out), n, ctl)
	if kind == "real" {
		return // the reference: it must only answer
	}
	if n == 0 || n > nssOursMaxGroups {
		t.Errorf("ours offers %d groups, want 1..%d", n, nssOursMaxGroups)
	}
	if ctl || strings.Contains(out, "ocnhctl") {
		t.Errorf("login form offers the group with a control byte")
	}
	if !strings.Contains(out, `<option value="ocnh00000">`) {
		t.Errorf("login form lacks the first directory group ocnh00000")
	}
	// A client can still connect and be offered the form again: the
	// workers start with the bounded list.
	out2, err := r.ExecTimeout(30*time.Second, l.NS, "curl", "-sk", "--max-time", "20",
		"-H", "X-Transcend-Version: 1", "-H", "X-Aggregate-Auth: 1",
		"-A", "Open AnyConnect VPN Agent v9.12", url)
	if err != nil || !strings.Contains(out2, "<auth") {
		t.Errorf("second client: no login form: %v", err)
	}
}

// TestNSSHostileLongNames: 200 directory groups above gid-min whose
// names are 40000 bytes long. 128 of them (ocserv's count) would make
// main's start-up message for every worker larger than the 4 MiB a
// worker accepts, i.e. no client could log in; ours keeps at most 1 MiB
// of names (pam.SystemGroupsLimit) and serves the login form. The real
// ocserv 1.1.6 is run as the reference and only logged.
func TestNSSHostileLongNames(t *testing.T) {
	lib := nssWrapperLib(t)
	for _, kind := range nssKinds() {
		t.Run(kind, func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			base := 40000 + os.Getpid()%50*200
			nssFreeGIDs(t, base, 200)
			var lines []string
			for i := 0; i < 200; i++ {
				lines = append(lines, fmt.Sprintf("ocnl%03d%s:x:%d:", i, strings.Repeat("n", 40000-7), base+i))
			}
			env := nssWriteDB(t, r.Dir, lib, lines)
			cfg := r.NewConfig().Set("auth", fmt.Sprintf(`"pam[gid-min=%d]"`, base)).Set("auto-select-group", "true")
			bin := rig.RealOcserv
			if kind == "ours" {
				bin = rig.BuildOurs(t, "ocserv")
			}
			r.StartServer(cfg, rig.ServerOptions{Binary: bin, Debug: 1, Env: env})
			l := r.Link(0)
			out, err := r.ExecTimeout(60*time.Second, l.NS, "curl", "-sk", "--max-time", "40",
				"-H", "X-Transcend-Version: 1", "-H", "X-Aggregate-Auth: 1",
				"-A", "Open AnyConnect VPN Agent v9.12", fmt.Sprintf("https://%s/", l.ServerAddr))
			n := strings.Count(out, "<option")
			t.Logf("%s: curl %v, form of %d bytes, %d options", kind, err, len(out), n)
			if kind == "real" {
				return
			}
			if err != nil || !strings.Contains(out, "<auth") {
				t.Fatalf("no login form: %v\n%.500s", err, out)
			}
			if long, max := strings.Count(out, `<option value="ocnl`), (1<<20)/40000; long == 0 || long > max {
				t.Errorf("ours offers %d long-named groups, want 1..%d", long, max)
			}
		})
	}
}
