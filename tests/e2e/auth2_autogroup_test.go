package e2e

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// loginFormGroups fetches the server's first login form with curl from
// the client namespace of link and returns the values of its group_list
// <option>s (sorted: ocserv 1.1.6 lists auto-select-group entries in hash
// order) and the raw document.
func loginFormGroups(t *testing.T, r *rig.Rig, link int) ([]string, string) {
	t.Helper()
	l := r.Link(link)
	url := fmt.Sprintf("https://%s/", l.ServerAddr)
	out, err := r.ExecTimeout(15*time.Second, l.NS, "curl", "-sk", "--max-time", "10",
		"-H", "X-Transcend-Version: 1", "-H", "X-Aggregate-Auth: 1",
		"-A", "Open AnyConnect VPN Agent v9.12", url)
	if err != nil {
		t.Fatalf("curl %s: %v\n%s", url, err, out)
	}
	var gs []string
	for _, m := range regexp.MustCompile(`<option(?: value="([^"]*)")?>([^<]*)</option>`).FindAllStringSubmatch(out, -1) {
		v := m[1]
		if v == "" {
			v = m[2]
		}
		gs = append(gs, v)
	}
	slices.Sort(gs)
	return gs, out
}

// TestAuthAutoSelectGroup (issue 5): auto-select-group = true with
// plain[passwd=...] offers every group of the password file (groups of
// one character are left out, as ocserv does) in the login form,
// replacing the select-group entries; openconnect --authgroup picks one
// and the session gets it (connect-script GROUPNAME); a group the user is
// not in is refused. With auto-select-group = false the form offers the
// select-group entries only.
func TestAuthAutoSelectGroup(t *testing.T) {
	runKinds(t, func(t *testing.T, kind serverKind) {
		r := rig.New(t, rig.Options{})
		r.AddUser("alice", "alice-Pass-1", "staff", "admins")
		r.AddUser("bob", "bob-Pass-1", "dev", "staff", "x")
		r.AddUser("carol", "carol-Pass-1")
		script, envDir := scriptDumper(t, r, "connect", 0)
		cfg := r.NewConfig().Set("auto-select-group", "true").Set("select-group", "others").
			Set("connect-script", script)
		srv := startKind(t, r, kind, cfg)

		gs, doc := loginFormGroups(t, r, 0)
		if want := []string{"admins", "dev", "staff"}; !slices.Equal(gs, want) {
			t.Errorf("group_list options = %q, want %q\n%s", gs, want, doc)
		}

		c := mustLogin(t, r, "bob in dev", rig.ClientOptions{User: "bob", Password: "bob-Pass-1",
			Args: []string{"--authgroup", "dev"}})
		env := waitScriptEnv(t, envDir, "connect-bob-", 10*time.Second)
		if env["GROUPNAME"] != "dev" {
			t.Errorf("GROUPNAME = %q, want dev", env["GROUPNAME"])
		}
		c.Disconnect()

		c = mustLogin(t, r, "alice in admins", rig.ClientOptions{User: "alice", Password: "alice-Pass-1",
			Args: []string{"--authgroup", "admins"}})
		env = waitScriptEnv(t, envDir, "connect-alice-", 10*time.Second)
		if env["GROUPNAME"] != "admins" {
			t.Errorf("GROUPNAME = %q, want admins", env["GROUPNAME"])
		}
		c.Disconnect()

		mustRefuse(t, r, "alice in dev (not a member)", rig.ClientOptions{User: "alice", Password: "alice-Pass-1",
			Args: []string{"--authgroup", "dev"}})

		// Off: the select-group entries again (after a reload).
		cfg.Set("auto-select-group", "false")
		if err := cfg.Write(srv.ConfigPath); err != nil {
			t.Fatal(err)
		}
		if err := srv.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		var doc2 string
		ok := rig.WaitFor(10*time.Second, func() bool {
			gs, doc2 = loginFormGroups(t, r, 0)
			return slices.Equal(gs, []string{"others"})
		})
		if !ok {
			t.Errorf("after reload with auto-select-group = false: group_list options = %q, want [others]\n%s", gs, doc2)
		}
	})
}

// TestAuthAutoSelectGroupPAM (issue 5): auto-select-group = true with
// pam[gid-min=G] offers every system group with gid >= G (two test
// groups with gids G and G+1, and whatever else the system has above G,
// e.g. nogroup); --authgroup picks a supplementary group of the user and
// the session gets it. The offered set equals ocserv 1.1.6's.
func TestAuthAutoSelectGroupPAM(t *testing.T) {
	offered := map[serverKind][]string{}
	runKinds(t, func(t *testing.T, kind serverKind) {
		r := rig.New(t, rig.Options{})
		installPAMService(t)
		id := strings.ToLower(r.ID)
		g1, g2, user := "ocga"+id, "ocgb"+id, "ocgu"+id
		gid := 61000 + os.Getpid()%2000*2
		for i, g := range []string{g1, g2} {
			if out, err := runCmd(30*time.Second, "groupadd", "-g", fmt.Sprint(gid+i), g); err != nil {
				t.Fatalf("groupadd %s: %v\n%s", g, err, out)
			}
			g := g
			t.Cleanup(func() { runCmd(30*time.Second, "groupdel", g) })
		}
		if out, err := runCmd(30*time.Second, "useradd", "-M", "-N", "-g", g1, "-G", g2, "-s", "/usr/sbin/nologin", user); err != nil {
			t.Fatalf("useradd: %v\n%s", err, out)
		}
		t.Cleanup(func() { runCmd(30*time.Second, "userdel", user) })
		if out, err := runCmd(30*time.Second, "sh", "-c", "echo '"+user+":Pam-Pass-3' | chpasswd"); err != nil {
			t.Fatalf("chpasswd: %v\n%s", err, out)
		}
		script, envDir := scriptDumper(t, r, "connect", 0)
		cfg := r.NewConfig().Set("auth", fmt.Sprintf(`"pam[gid-min=%d]"`, gid)).
			Set("auto-select-group", "true").Set("connect-script", script)
		startKind(t, r, kind, cfg)

		gs, doc := loginFormGroups(t, r, 0)
		for _, g := range gs {
			offered[kind] = append(offered[kind], strings.NewReplacer(g1, "G1", g2, "G2").Replace(g))
		}
		if !slices.Contains(gs, g1) || !slices.Contains(gs, g2) || slices.Contains(gs, "root") {
			t.Errorf("group_list options = %q, want %s and %s and no root\n%s", gs, g1, g2, doc)
		}
		c := mustLogin(t, r, "PAM user in "+g2, rig.ClientOptions{User: user, Password: "Pam-Pass-3",
			Args: []string{"--authgroup", g2}})
		env := waitScriptEnv(t, envDir, "connect-"+user+"-", 10*time.Second)
		if env["GROUPNAME"] != g2 {
			t.Errorf("GROUPNAME = %q, want %q", env["GROUPNAME"], g2)
		}
		c.Disconnect()
		waitWorkers(t, r, 0)
	})
	if a, b := offered[realServer], offered[ourServer]; a != nil && b != nil && !slices.Equal(a, b) {
		t.Errorf("offered groups differ: ocserv 1.1.6 %q, ours %q", a, b)
	}
}
