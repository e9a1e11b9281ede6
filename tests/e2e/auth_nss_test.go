package e2e

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// nssWrapperLib is libnss_wrapper.so (Debian package libnss-wrapper,
// installed by scripts/deps.sh); a missing library fails the test.
func nssWrapperLib(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"} {
		if p := filepath.Join(d, "libnss_wrapper.so"); nssFileExists(p) {
			return p
		}
	}
	t.Fatal("libnss_wrapper.so not found: install the Debian package libnss-wrapper (scripts/deps.sh)")
	return ""
}

func nssFileExists(p string) bool { _, err := os.Stat(p); return err == nil }

// nssDB is an nss_wrapper database: copies of /etc/passwd and /etc/group
// (so root, nobody and nogroup resolve) with passwd lines of existing
// users substituted (passwdSub, by user name) and lines appended
// (passwdAdd, groupAdd). Env is what the server's environment needs to
// read it through NSS.
type nssDB struct {
	passwd, group string
}

func (db nssDB) Env(lib string) []string {
	return []string{"LD_PRELOAD=" + lib, "NSS_WRAPPER_PASSWD=" + db.passwd, "NSS_WRAPPER_GROUP=" + db.group}
}

// writeNSSDB writes the database into dir (files mode 0644: the server's
// unprivileged processes may read them too).
func writeNSSDB(t *testing.T, dir string, passwdSub map[string]string, passwdAdd, groupAdd []string) nssDB {
	t.Helper()
	pw, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(strings.TrimRight(string(pw), "\n"), "\n") {
		name, _, _ := strings.Cut(l, ":")
		if repl, ok := passwdSub[name]; ok {
			l = repl
		}
		out = append(out, l)
	}
	out = append(out, passwdAdd...)
	gr, err := os.ReadFile("/etc/group")
	if err != nil {
		t.Fatal(err)
	}
	db := nssDB{passwd: filepath.Join(dir, "nss-passwd"), group: filepath.Join(dir, "nss-group")}
	groups := strings.TrimRight(string(gr), "\n") + "\n" + strings.Join(groupAdd, "\n") + "\n"
	if err := os.WriteFile(db.passwd, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db.group, []byte(groups), 0o644); err != nil {
		t.Fatal(err)
	}
	return db
}

// nssFreeGIDs returns n consecutive gids from base that /etc/group does
// not use, failing the test if some are taken.
func nssFreeGIDs(t *testing.T, base, n int) int {
	t.Helper()
	data, err := os.ReadFile("/etc/group")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Split(l, ":")
		if len(f) < 3 {
			continue
		}
		if gid, err := strconv.Atoi(f[2]); err == nil && gid >= base && gid < base+n {
			t.Fatalf("gid %d is taken in /etc/group (%s)", gid, f[0])
		}
	}
	return base
}

// TestAuthNSSGroups (issue 10): with auto-select-group and
// pam[gid-min=G], groups that only an NSS module knows (nss_wrapper,
// preloaded into the server as a site's LDAP or SSSD module would be
// configured; none of them in /etc/group) are offered in the login form,
// on ocserv 1.1.6 and ours alike. A real PAM user (pam_unix needs
// /etc/shadow) whose primary and supplementary groups exist only in
// NSS logs in with --authgroup set to the supplementary one and the
// session gets it (connect-script GROUPNAME); an NSS group the user is
// not in is refused.
func TestAuthNSSGroups(t *testing.T) {
	lib := nssWrapperLib(t)
	offered := map[serverKind][]string{}
	runKinds(t, func(t *testing.T, kind serverKind) {
		r := rig.New(t, rig.Options{})
		installPAMService(t)
		id := strings.ToLower(r.ID)
		g1, g2, g3, name := "ocna"+id, "ocnb"+id, "ocnc"+id, "ocnu"+id
		gid := nssFreeGIDs(t, 55000+os.Getpid()%1000*4, 3)
		if out, err := runCmd(30*time.Second, "useradd", "-M", "-N", "-g", "users", "-s", "/usr/sbin/nologin", name); err != nil {
			t.Fatalf("useradd: %v\n%s", err, out)
		}
		t.Cleanup(func() { runCmd(30*time.Second, "userdel", name) })
		if out, err := runCmd(30*time.Second, "sh", "-c", "echo '"+name+":Nss-Pass-4' | chpasswd"); err != nil {
			t.Fatalf("chpasswd: %v\n%s", err, out)
		}
		u, err := user.Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		db := writeNSSDB(t, r.Dir,
			map[string]string{name: fmt.Sprintf("%s:x:%s:%d::/nonexistent:/usr/sbin/nologin", name, u.Uid, gid)}, nil,
			[]string{fmt.Sprintf("%s:x:%d:", g1, gid), fmt.Sprintf("%s:x:%d:%s", g2, gid+1, name), fmt.Sprintf("%s:x:%d:", g3, gid+2)})

		script, envDir := scriptDumper(t, r, "connect", 0)
		cfg := r.NewConfig().Set("auth", fmt.Sprintf(`"pam[gid-min=%d]"`, gid)).
			Set("auto-select-group", "true").Set("connect-script", script)
		r.StartServer(cfg, rig.ServerOptions{Binary: serverBinary(t, kind), Debug: 3, Env: db.Env(lib)})

		gs, doc := loginFormGroups(t, r, 0)
		rep := strings.NewReplacer(g1, "G1", g2, "G2", g3, "G3")
		for _, g := range gs {
			offered[kind] = append(offered[kind], rep.Replace(g))
		}
		for _, g := range []string{g1, g2, g3} {
			if !slices.Contains(gs, g) {
				t.Errorf("group_list options = %q: NSS-only group %s missing\n%s", gs, g, doc)
			}
		}
		if slices.Contains(gs, "root") {
			t.Errorf("group_list options = %q: root is below gid-min", gs)
		}

		c := mustLogin(t, r, "NSS user in "+g2, rig.ClientOptions{User: name, Password: "Nss-Pass-4",
			Args: []string{"--authgroup", g2}})
		env := waitScriptEnv(t, envDir, "connect-"+name+"-", 10*time.Second)
		if env["GROUPNAME"] != g2 {
			t.Errorf("GROUPNAME = %q, want %q", env["GROUPNAME"], g2)
		}
		c.Disconnect()
		waitWorkers(t, r, 0)
		mustRefuse(t, r, "NSS user in "+g3+" (not a member)", rig.ClientOptions{User: name, Password: "Nss-Pass-4",
			Args: []string{"--authgroup", g3}})
	})
	if a, b := offered[realServer], offered[ourServer]; a != nil && b != nil && !slices.Equal(a, b) {
		t.Errorf("offered groups differ: ocserv 1.1.6 %q, ours %q", a, b)
	}
}

// TestAuthNSSGroupsMany (issue 10): more NSS groups above gid-min than
// ocserv 1.1.6 offers (128, in enumeration order; not MAX_GROUPS = 32):
// both servers offer the same list.
func TestAuthNSSGroupsMany(t *testing.T) {
	lib := nssWrapperLib(t)
	const n = 200
	offered := map[serverKind][]string{}
	runKinds(t, func(t *testing.T, kind serverKind) {
		r := rig.New(t, rig.Options{})
		gid := nssFreeGIDs(t, 51000+os.Getpid()%40*50, n)
		var lines []string
		for i := 0; i < n; i++ {
			lines = append(lines, fmt.Sprintf("ocnm%02d:x:%d:", i, gid+i))
		}
		db := writeNSSDB(t, r.Dir, nil, nil, lines)
		cfg := r.NewConfig().Set("auth", fmt.Sprintf(`"pam[gid-min=%d]"`, gid)).Set("auto-select-group", "true")
		r.StartServer(cfg, rig.ServerOptions{Binary: serverBinary(t, kind), Debug: 3, Env: db.Env(lib)})
		gs, doc := loginFormGroups(t, r, 0)
		offered[kind] = gs
		if len(gs) != 128 {
			t.Errorf("%d group_list options, want 128", len(gs))
		}
		for i := 0; i < 100; i++ {
			if g := fmt.Sprintf("ocnm%02d", i); !slices.Contains(gs, g) {
				t.Errorf("group_list options = %q: NSS-only group %s missing\n%s", gs, g, doc)
				break
			}
		}
	})
	if a, b := offered[realServer], offered[ourServer]; a != nil && b != nil && !slices.Equal(a, b) {
		t.Errorf("offered groups differ: ocserv 1.1.6 %q, ours %q", a, b)
	}
}

// TestAuthNSSRunAs (issue 10): run-as-user and run-as-group that only an
// NSS module knows (nss_wrapper preloaded into the server): the server
// starts, its workers run under those ids and a client logs in, on
// ocserv 1.1.6 and ours.
func TestAuthNSSRunAs(t *testing.T) {
	lib := nssWrapperLib(t)
	runKinds(t, func(t *testing.T, kind serverKind) {
		r := rig.New(t, rig.Options{})
		r.AddUser("alice", "alice-Pass-1")
		id := strings.ToLower(r.ID)
		uname, gname := "ocnru"+id, "ocnrg"+id
		gid := nssFreeGIDs(t, 59000+os.Getpid()%1000, 1)
		if _, err := user.Lookup(uname); err == nil {
			t.Fatalf("user %s exists outside NSS wrapper", uname)
		}
		uid := gid
		if _, err := user.LookupId(strconv.Itoa(uid)); err == nil {
			t.Fatalf("uid %d is taken outside NSS wrapper", uid)
		}
		db := writeNSSDB(t, r.Dir, nil,
			[]string{fmt.Sprintf("%s:x:%d:%d::/nonexistent:/usr/sbin/nologin", uname, uid, gid)},
			[]string{fmt.Sprintf("%s:x:%d:", gname, gid)})
		cfg := r.NewConfig().Set("run-as-user", uname).Set("run-as-group", gname)
		r.StartServer(cfg, rig.ServerOptions{Binary: serverBinary(t, kind), Debug: 3, Env: db.Env(lib)})
		c := mustLogin(t, r, "alice under NSS-only run-as ids", rig.ClientOptions{User: "alice", Password: "alice-Pass-1"})
		ws := waitWorkers(t, r, 1)
		if ws[0].UID != uid || ws[0].GID != gid {
			t.Errorf("worker runs as %d:%d, want %d:%d", ws[0].UID, ws[0].GID, uid, gid)
		}
		c.Disconnect()
	})
}
