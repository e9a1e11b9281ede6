package nss

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain runs the checks of wrapperChild when the test binary is
// re-executed under nss_wrapper by TestNSSWrapper.
func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		if err := wrapperChild(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			os.Exit(1)
		}
		fmt.Println("wrapper child ok")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// TestLibc: the entries of root and group 0 through libc, and errors.
func TestLibc(t *testing.T) {
	if !Available {
		t.Fatal("built without cgo: NSS is not available")
	}
	u, err := LookupUser("root")
	if err != nil || u.Name != "root" || u.UID != 0 || u.GID != 0 {
		t.Errorf("LookupUser(root) = %+v, %v", u, err)
	}
	if gid, err := LookupGroup("root"); err != nil || gid != 0 {
		t.Errorf("LookupGroup(root) = %d, %v", gid, err)
	}
	for _, name := range []string{"", "no-such-group-ocserv-go", "root\n"} {
		if _, err := LookupGroup(name); !errors.Is(err, ErrNotFound) {
			t.Errorf("LookupGroup(%q) err = %v, want ErrNotFound", name, err)
		}
	}
	if name, err := GroupName(0); err != nil || name != "root" {
		t.Errorf("GroupName(0) = %q, %v", name, err)
	}
	gids, err := UserGroups("root", 0)
	if err != nil || !slices.Contains(gids, 0) {
		t.Errorf("UserGroups(root) = %v, %v", gids, err)
	}
	all, err := Groups(0, Limit{})
	if err != nil || !slices.Contains(all, "root") {
		t.Errorf("Groups(0) = %v, %v", all, err)
	}
	for _, tc := range []struct {
		name string
		err  error
	}{
		{"", ErrNotFound},
		{"no-such-user-ocserv-go", ErrNotFound},
		{"root\n", ErrNotFound},
		{"ro\x00ot", ErrNotFound},
		{"\xff", ErrNotFound},
	} {
		if _, err := LookupUser(tc.name); !errors.Is(err, tc.err) {
			t.Errorf("LookupUser(%q) err = %v, want %v", tc.name, err, tc.err)
		}
		// getgrouplist knows no unknown user: it answers the given gid.
		if _, err := UserGroups(tc.name, 0); tc.name != "no-such-user-ocserv-go" && !errors.Is(err, tc.err) {
			t.Errorf("UserGroups(%q) err = %v, want %v", tc.name, err, tc.err)
		}
	}
	if _, err := GroupName(4294967000); !errors.Is(err, ErrNotFound) {
		t.Errorf("GroupName(4294967000) err = %v, want ErrNotFound", err)
	}
}

// TestGroupsBound: gid-min filters and max bounds the enumeration.
func TestGroupsBound(t *testing.T) {
	all, err := Groups(0, Limit{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < 2 {
		t.Fatalf("Groups(0) = %v: want at least two groups", all)
	}
	for _, max := range []int{1, 2, len(all)} {
		got, err := Groups(0, Limit{Count: max})
		wantErr := error(nil)
		if max < len(all) {
			wantErr = ErrLimit
		}
		if !errors.Is(err, wantErr) || !slices.Equal(got, all[:max]) {
			t.Errorf("Groups(0, count %d) = %v, %v; want %v, %v", max, got, err, all[:max], wantErr)
		}
	}
	// A byte budget that fits exactly the first two names.
	budget := len(all[0]) + len(all[1])
	if got, err := Groups(0, Limit{Bytes: budget}); !slices.Equal(got, all[:2]) || (len(all) > 2) != errors.Is(err, ErrLimit) {
		t.Errorf("Groups(0, %d bytes) = %v, %v; want %v", budget, got, err, all[:2])
	}
	if got, err := Groups(4294967295, Limit{}); err != nil || len(got) != 0 {
		t.Errorf("Groups(max gid) = %v, %v; want none", got, err)
	}
	high, err := Groups(1, Limit{})
	if err != nil || slices.Contains(high, "root") {
		t.Errorf("Groups(1) = %v, %v: want no root", high, err)
	}
}

func TestValidName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{"staff", true}, {"dómain users", true}, {"a\nb", false}, {"a\x00", false},
		{"\x7f", false}, {"\xc3", false}, {"tab\t", false},
	} {
		if got := validName(tc.in); got != tc.want {
			t.Errorf("validName(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func FuzzValidName(f *testing.F) {
	f.Add("staff")
	f.Add("a\nb")
	f.Fuzz(func(t *testing.T, s string) {
		if validName(s) && strings.ContainsAny(s, "\x00\n\r\x1b") {
			t.Fatalf("validName(%q) = true", s)
		}
	})
}

const childEnv = "OCSERV_NSS_TEST_CHILD"

// The nss_wrapper database of TestNSSWrapper: names and gids that exist
// nowhere else (the parent checks they are not in /etc/group).
const (
	wrapUser   = "ocnsswuser"
	wrapGroupA = "ocnsswgrpa"
	wrapGroupB = "ocnsswgrpb"
	wrapGroupC = "ocnsswgrpc"
	wrapGIDA   = 47300
)

// wrapLong is a group name that needs several buffer growths (ERANGE):
// nss_wrapper skips the entry on ERANGE, so Groups must start over.
var wrapLong = "ocnsswlong" + strings.Repeat("l", 5000)

// nssWrapperLib finds libnss_wrapper.so (Debian package libnss-wrapper);
// a missing library fails the test.
func nssWrapperLib(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"} {
		p := d + "/libnss_wrapper.so"
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("libnss_wrapper.so not found: install the Debian package libnss-wrapper (scripts/deps.sh)")
	return ""
}

// TestNSSWrapper re-runs the test binary with nss_wrapper preloaded and
// users and groups that only nss_wrapper's files define: every lookup
// must see them, so it goes through the C library's NSS, not /etc.
func TestNSSWrapper(t *testing.T) {
	lib := nssWrapperLib(t)
	etc, _ := os.ReadFile("/etc/group")
	for _, g := range []string{wrapGroupA, wrapGroupB, wrapUser} {
		if strings.Contains(string(etc), g+":") {
			t.Fatalf("/etc/group already has %s", g)
		}
	}
	dir := t.TempDir()
	// The user's gecos needs buffer growths too.
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/bin/sh\n%s:x:47042:%d:%s:/nonexistent:/bin/false\n", wrapUser, wrapGIDA, strings.Repeat("g", 5000))
	group := fmt.Sprintf("root:x:0:\n%s:x:%d:\n%s:x:%d:%s\nbad\x01name:x:%d:\n%s:x:%d:\n%s:x:%d:\n",
		wrapGroupA, wrapGIDA, wrapGroupB, wrapGIDA+1, wrapUser, wrapGIDA+2, wrapLong, wrapGIDA+3, wrapGroupC, wrapGIDA+4)
	for name, data := range map[string]string{"passwd": passwd, "group": group} {
		if err := os.WriteFile(dir+"/"+name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), childEnv+"=1", "LD_PRELOAD="+lib,
		"NSS_WRAPPER_PASSWD="+dir+"/passwd", "NSS_WRAPPER_GROUP="+dir+"/group")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "wrapper child ok") {
		t.Fatalf("under nss_wrapper: %v\n%s", err, out)
	}
}

// wrapperChild checks the lookups against TestNSSWrapper's database.
func wrapperChild() error {
	u, err := LookupUser(wrapUser)
	if err != nil || u.UID != 47042 || u.GID != wrapGIDA {
		return fmt.Errorf("LookupUser(%s) = %+v, %v", wrapUser, u, err)
	}
	if gid, err := LookupGroup(wrapGroupB); err != nil || gid != wrapGIDA+1 {
		return fmt.Errorf("LookupGroup(%s) = %d, %v", wrapGroupB, gid, err)
	}
	if gid, err := LookupGroup(wrapLong); err != nil || gid != wrapGIDA+3 {
		return fmt.Errorf("LookupGroup(long) = %d, %v", gid, err)
	}
	if name, err := GroupName(wrapGIDA + 3); err != nil || name != wrapLong {
		return fmt.Errorf("GroupName(%d) = %.20q..., %v", wrapGIDA+3, name, err)
	}
	if name, err := GroupName(wrapGIDA + 1); err != nil || name != wrapGroupB {
		return fmt.Errorf("GroupName(%d) = %q, %v", wrapGIDA+1, name, err)
	}
	gids, err := UserGroups(wrapUser, u.GID)
	if err != nil || !slices.Contains(gids, wrapGIDA) || !slices.Contains(gids, wrapGIDA+1) {
		return fmt.Errorf("UserGroups(%s) = %v, %v", wrapUser, gids, err)
	}
	want := []string{wrapGroupA, wrapGroupB, wrapLong, wrapGroupC} // the control-character name is skipped
	if gs, err := Groups(wrapGIDA, Limit{}); err != nil || !slices.Equal(gs, want) {
		return fmt.Errorf("Groups(%d) = %q, %v; want %q", wrapGIDA, gs, err, want)
	}
	if gs, err := Groups(0, Limit{Count: 1}); !errors.Is(err, ErrLimit) || !slices.Equal(gs, []string{"root"}) {
		return fmt.Errorf("Groups(0, count 1) = %q, %v", gs, err)
	}
	return nil
}
