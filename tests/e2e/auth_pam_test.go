package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// pamService is the PAM service both servers use (ocserv 1.1.6 hard-codes
// it). The test replaces it with a plain pam_unix stack for its duration
// and restores the original in Cleanup.
const pamService = "/etc/pam.d/ocserv"

const pamTestStack = `# Installed by the ocserv-go e2e test TestAuthPAM; restored when it ends.
auth     required pam_unix.so
account  required pam_unix.so
password required pam_deny.so
session  required pam_permit.so
`

func installPAMService(t *testing.T) {
	t.Helper()
	old, err := os.ReadFile(pamService)
	existed := err == nil
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.WriteFile(pamService, []byte(pamTestStack), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if existed {
			os.WriteFile(pamService, old, 0o644)
		} else {
			os.Remove(pamService)
		}
	})
}

// addSystemUser creates a system user with its own primary group and the
// given supplementary groups (created too), password pw; all are removed
// in Cleanup.
func addSystemUser(t *testing.T, name, pw string, supp ...string) {
	t.Helper()
	for _, g := range supp {
		if out, err := runCmd(30*time.Second, "groupadd", g); err != nil {
			t.Fatalf("groupadd %s: %v\n%s", g, err, out)
		}
		g := g
		t.Cleanup(func() { runCmd(30*time.Second, "groupdel", g) })
	}
	args := []string{"-M", "-U", "-s", "/usr/sbin/nologin"}
	if len(supp) > 0 {
		args = append(args, "-G", strings.Join(supp, ","))
	}
	if out, err := runCmd(30*time.Second, append(append([]string{"useradd"}, args...), name)...); err != nil {
		t.Fatalf("useradd %s: %v\n%s", name, err, out)
	}
	t.Cleanup(func() {
		runCmd(30*time.Second, "userdel", name)
		runCmd(30*time.Second, "groupdel", name)
	})
	cmd := fmt.Sprintf("echo '%s:%s' | chpasswd", name, pw)
	if out, err := runCmd(30*time.Second, "sh", "-c", cmd); err != nil {
		t.Fatalf("chpasswd: %v\n%s", err, out)
	}
}

// TestAuthPAM (issue 5, criterion 2): auth = "pam[gid-min=1000]" with
// real system users. The right password logs in, the session's group is
// the user's primary group (connect-script GROUPNAME) with --authgroup
// DEFAULT (default-select-group), or with --authgroup GROUP a
// supplementary group offered by select-group; a wrong
// password and an expired account (chage -E 0) are refused.
func TestAuthPAM(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			installPAMService(t)
			id := strings.ToLower(r.ID)
			user, expired, supp := "ocgo"+id, "ocgx"+id, "ocgg"+id
			addSystemUser(t, user, "Pam-Pass-1", supp)
			addSystemUser(t, expired, "Pam-Pass-2")
			if out, err := runCmd(30*time.Second, "chage", "-E", "0", expired); err != nil {
				t.Fatalf("chage: %v\n%s", err, out)
			}
			script, envDir := scriptDumper(t, r, "connect", 0)
			cfg := r.NewConfig().Set("auth", `"pam[gid-min=1000]"`).
				Set("select-group", supp).Set("default-select-group", "DEFAULT").Set("connect-script", script)
			srv := startKind(t, r, kind, cfg)

			c := mustLogin(t, r, "PAM user", rig.ClientOptions{User: user, Password: "Pam-Pass-1",
				Args: []string{"--authgroup", "DEFAULT"}})
			env := waitScriptEnv(t, envDir, "connect-"+user+"-", 10*time.Second)
			if env["GROUPNAME"] != user {
				t.Errorf("GROUPNAME = %q, want the primary group %q", env["GROUPNAME"], user)
			}
			c.Disconnect()
			os.RemoveAll(envDir)
			os.MkdirAll(envDir, 0o777)
			os.Chmod(envDir, 0o777)

			c = mustLogin(t, r, "PAM user with --authgroup", rig.ClientOptions{User: user, Password: "Pam-Pass-1",
				Args: []string{"--authgroup", supp}})
			env = waitScriptEnv(t, envDir, "connect-"+user+"-", 10*time.Second)
			if env["GROUPNAME"] != supp {
				t.Errorf("GROUPNAME = %q, want the selected group %q", env["GROUPNAME"], supp)
			}
			c.Disconnect()

			dflt := []string{"--authgroup", "DEFAULT"}
			mustRefuse(t, r, "wrong password", rig.ClientOptions{User: user, Password: "wrong", Args: dflt})
			mustRefuse(t, r, "expired account", rig.ClientOptions{User: expired, Password: "Pam-Pass-2", Args: dflt})
			if kind == ourServer && !strings.Contains(srvLogPAM(srv), "pam_acct_mgmt: User account has expired") {
				t.Errorf("the expired account was not refused by the account check:\n%s", srvLogPAM(srv))
			}
			mustRefuse(t, r, "unknown user", rig.ClientOptions{User: "ocgn" + id, Password: "whatever", Args: dflt})
		})
	}
}

func srvLogPAM(s *rig.Server) string {
	var out []string
	for _, l := range strings.Split(s.Log(), "\n") {
		if strings.Contains(l, "pam") || strings.Contains(l, "failed authentication") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
