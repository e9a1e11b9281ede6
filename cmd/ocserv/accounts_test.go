package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// accountsWrapperLib finds libnss_wrapper.so (Debian package
// libnss-wrapper); a missing library fails the test.
func accountsWrapperLib(t *testing.T) string {
	t.Helper()
	for _, d := range []string{"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"} {
		if p := filepath.Join(d, "libnss_wrapper.so"); func() bool { _, err := os.Stat(p); return err == nil }() {
			return p
		}
	}
	t.Fatal("libnss_wrapper.so not found: install the Debian package libnss-wrapper (scripts/deps.sh)")
	return ""
}

// TestAccountsNSS: run-as-user and run-as-group that only an NSS module
// knows (nss_wrapper) resolve in `ocserv -t`, also in a build with the
// osusergo tag (whose os/user reads /etc/passwd and /etc/group itself),
// because the binary routes the lookups through internal/auth/nss.
// Unknown names still fail as in ocserv.
func TestAccountsNSS(t *testing.T) {
	lib := accountsWrapperLib(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "ocserv-osusergo")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-tags", "osusergo", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build -tags osusergo: %v\n%s", err, out)
	}
	const user, group = "ocacctnssuser", "ocacctnssgroup"
	passwd := filepath.Join(dir, "nss-passwd")
	groupf := filepath.Join(dir, "nss-group")
	if err := os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/sh\n"+user+":x:49042:49043::/nonexistent:/bin/false\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(groupf, []byte("root:x:0:\n"+group+":x:49043:\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "LD_PRELOAD="+lib, "NSS_WRAPPER_PASSWD="+passwd, "NSS_WRAPPER_GROUP="+groupf)
	tests := []struct {
		name, user, group string
		env               []string
		want              string // "" = exit 0
	}{
		{"NSS-only names", user, group, env, ""},
		{"unknown user", "no-such-user-ocserv-go", group, env, "error: unknown user: no-such-user-ocserv-go"},
		{"unknown group", user, "no-such-group-ocserv-go", env, "error: unknown group: no-such-group-ocserv-go"},
		{"NSS-only names without the NSS module", user, group, os.Environ(), "error: unknown user: " + user},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			conf := validConfig(t, func(dir, cert, key string) string {
				return fmt.Sprintf("server-cert = %s\nserver-key = %s\nrun-as-user = %s\nrun-as-group = %s\n", cert, key, tc.user, tc.group)
			})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, "-t", "-c", conf)
			cmd.Env = tc.env
			out, err := cmd.CombinedOutput()
			if tc.want == "" && err != nil {
				t.Fatalf("ocserv -t: %v\n%s", err, out)
			}
			if tc.want != "" && (err == nil || !strings.Contains(string(out), tc.want)) {
				t.Fatalf("ocserv -t: %v, want failure %q\n%s", err, tc.want, out)
			}
		})
	}
}
