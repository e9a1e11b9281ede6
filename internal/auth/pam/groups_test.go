package pam

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/auth/nss"
)

// etcGroups lists the groups of /etc/group with gid >= gidMin, in file
// order.
func etcGroups(t *testing.T, gidMin int) []string {
	t.Helper()
	data, err := os.ReadFile("/etc/group")
	if err != nil {
		t.Fatal(err)
	}
	var gs []string
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Split(l, ":")
		if len(f) < 3 || f[0] == "" || strings.HasPrefix(f[0], "#") {
			continue
		}
		if gid, err := strconv.Atoi(f[2]); err == nil && gid >= gidMin {
			gs = append(gs, f[0])
		}
	}
	return gs
}

// TestSystemGroups: the list holds the groups with gid >= gid-min, in
// enumeration order; NSS's "files" source comes
// first on the test systems, so /etc/group's groups start the list.
func TestSystemGroups(t *testing.T) {
	for _, min := range []int{0, 1, 100, 1000, 65534, 1 << 33} {
		got, err := SystemGroups(min)
		if err != nil {
			t.Fatalf("SystemGroups(%d): %v", min, err)
		}
		want := etcGroups(t, min)
		if min > 1<<32 {
			want = nil
		}
		if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
			t.Errorf("SystemGroups(%d) = %q, want it to start with %q", min, got, want)
		}
		if min > 0 && slices.Contains(got, "root") {
			t.Errorf("SystemGroups(%d) = %q: root is below gid-min", min, got)
		}
	}
}

// TestUserGroup: ocserv's get_user_auth_group for root through libc.
func TestUserGroup(t *testing.T) {
	var logged []string
	logf := func(f string, a ...any) { logged = append(logged, fmt.Sprintf(f, a...)) }
	tests := []struct {
		user, suggested, want string
		err                   error
	}{
		{"root", "", "root", nil},
		{"root", "root", "root", nil},
		{"root", "no-such-group-ocserv-go", "", auth.ErrNotMember},
		{"no-such-user-ocserv-go", "", "", nil},
		{"no-such-user-ocserv-go", "root", "", auth.ErrNotMember},
		{"root\n", "root", "", auth.ErrNotMember},
	}
	for _, tc := range tests {
		got, err := userGroup(tc.user, tc.suggested, logf)
		if got != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("userGroup(%q, %q) = %q, %v; want %q, %v", tc.user, tc.suggested, got, err, tc.want, tc.err)
		}
	}
	if !slices.ContainsFunc(logged, func(s string) bool { return strings.Contains(s, "but is not a member") }) {
		t.Errorf("no 'not a member' message logged: %q", logged)
	}
}

const pamChildEnv = "OCSERV_PAM_GROUPS_TEST_CHILD"

// TestMain runs pamWrapperChild when TestGroupsNSSWrapper re-executes the
// test binary under nss_wrapper.
func TestMain(m *testing.M) {
	if os.Getenv(pamChildEnv) == "1" {
		if err := pamWrapperChild(); err != nil {
			fmt.Fprintln(os.Stderr, "FAIL:", err)
			os.Exit(1)
		}
		fmt.Println("wrapper child ok")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	pamWrapUser   = "ocpamwuser"
	pamWrapGID    = 48300
	pamWrapGroups = 40 // more than ocserv's MAX_GROUPS (32), which 1.1.6 does not apply here
)

// TestGroupsNSSWrapper: groups and a user that only nss_wrapper defines
// (LD_PRELOAD, as a site's LDAP or SSSD module would) are in the
// auto-select-group list and the user's groups: the module reads NSS,
// not /etc/group.
func TestGroupsNSSWrapper(t *testing.T) {
	var lib string
	for _, d := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"} {
		if _, err := os.Stat(d + "/libnss_wrapper.so"); err == nil {
			lib = d + "/libnss_wrapper.so"
			break
		}
	}
	if lib == "" {
		t.Fatal("libnss_wrapper.so not found: install the Debian package libnss-wrapper (scripts/deps.sh)")
	}
	dir := t.TempDir()
	passwd := fmt.Sprintf("root:x:0:0:root:/root:/bin/sh\n%s:x:48042:%d::/nonexistent:/bin/false\n", pamWrapUser, pamWrapGID)
	var group strings.Builder
	group.WriteString("root:x:0:\n")
	for i := 0; i < pamWrapGroups; i++ {
		fmt.Fprintf(&group, "ocpamw%02d:x:%d:%s\n", i, pamWrapGID+i, pamWrapUser)
	}
	for name, data := range map[string]string{"passwd": passwd, "group": group.String()} {
		if err := os.WriteFile(dir+"/"+name, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), pamChildEnv+"=1", "LD_PRELOAD="+lib,
		"NSS_WRAPPER_PASSWD="+dir+"/passwd", "NSS_WRAPPER_GROUP="+dir+"/group")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "wrapper child ok") {
		t.Fatalf("under nss_wrapper: %v\n%s", err, out)
	}
}

// pamWrapperChild checks SystemGroups and userGroup against
// TestGroupsNSSWrapper's database.
func pamWrapperChild() error {
	var want []string
	for i := 1; i < pamWrapGroups; i++ {
		want = append(want, fmt.Sprintf("ocpamw%02d", i))
	}
	if gs, err := SystemGroups(pamWrapGID + 1); err != nil || !slices.Equal(gs, want) {
		return fmt.Errorf("SystemGroups(%d) = %q, %v; want %q", pamWrapGID+1, gs, err, want)
	}
	defer func(l nss.Limit) { SystemGroupsLimit = l }(SystemGroupsLimit)
	for _, tc := range []struct {
		lim nss.Limit
		n   int
	}{
		{nss.Limit{Count: 5}, 5},
		{nss.Limit{Count: 100, Bytes: 17}, 2}, // two names of 8 bytes
		{nss.Limit{Count: len(want)}, len(want)},
	} {
		SystemGroupsLimit = tc.lim
		gs, err := SystemGroups(pamWrapGID + 1)
		if !slices.Equal(gs, want[:tc.n]) || (tc.n < len(want)) != errors.Is(err, nss.ErrLimit) {
			return fmt.Errorf("SystemGroups with %+v = %q, %v; want %q", tc.lim, gs, err, want[:tc.n])
		}
	}
	logf := func(string, ...any) {}
	if g, err := userGroup(pamWrapUser, "", logf); err != nil || g != "ocpamw00" {
		return fmt.Errorf("userGroup(%s, default) = %q, %v", pamWrapUser, g, err)
	}
	if g, err := userGroup(pamWrapUser, "ocpamw34", logf); err != nil || g != "ocpamw34" {
		return fmt.Errorf("userGroup(%s, ocpamw34) = %q, %v", pamWrapUser, g, err)
	}
	if _, err := userGroup(pamWrapUser, "root", logf); !errors.Is(err, auth.ErrNotMember) {
		return fmt.Errorf("userGroup(%s, root) err = %v, want ErrNotMember", pamWrapUser, err)
	}
	return nil
}
