package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// installPAMRecorder replaces /etc/pam.d/ocserv (restored exactly in
// Cleanup, as installPAMService does) with a stack whose every phase runs
// pam_exec with a recorder script: it appends "<PAM_TYPE> <PAM_USER>" to
// the returned log file; the account phase fails for user deny.
func installPAMRecorder(t *testing.T, r *rig.Rig, deny string) string {
	t.Helper()
	logPath := filepath.Join(r.Dir, "pam-acct.log")
	script := filepath.Join(r.Dir, "pam-rec.sh")
	body := fmt.Sprintf(`#!/bin/sh
echo "$PAM_TYPE $PAM_USER" >>%s
if [ "$PAM_TYPE" = account ] && [ "$PAM_USER" = %q ]; then exit 1; fi
exit 0
`, logPath, deny)
	if err := os.WriteFile(script, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
	stack := fmt.Sprintf(`# Installed by the ocserv-go e2e test TestAuthAcctPAM; restored when it ends.
auth     required pam_exec.so quiet %[1]s
auth     required pam_permit.so
account  required pam_exec.so quiet %[1]s
account  required pam_permit.so
password required pam_deny.so
session  required pam_exec.so quiet %[1]s
session  required pam_permit.so
`, script)
	old, err := os.ReadFile(pamService)
	existed := err == nil
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.WriteFile(pamService, []byte(stack), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if existed {
			os.WriteFile(pamService, old, 0o644)
		} else {
			os.Remove(pamService)
		}
	})
	return logPath
}

func readPAMRecords(path string) []string {
	b, _ := os.ReadFile(path)
	return strings.Fields(strings.ReplaceAll(string(b), " ", ":"))
}

// TestAuthAcctPAM (issue 5): acct = "pam" with plain password
// authentication. ocserv 1.1.6's PAM accounting runs pam_acct_mgmt on the
// "ocserv" service when a session is first opened (not pam_authenticate,
// not pam_open_session/pam_close_session, nothing at the close), and a
// failing account check denies the session. The PAM records (phase and
// user, in order) of a login, a cookie resume of the same session, a
// logout and a denied user must be the same for both servers.
func TestAuthAcctPAM(t *testing.T) {
	records := map[serverKind][]string{}
	runKinds(t, func(t *testing.T, kind serverKind) {
		r := rig.New(t, rig.Options{})
		r.AddUser("alice", "alice-Pass-1")
		r.AddUser("mallory", "mallory-Pass-1")
		logPath := installPAMRecorder(t, r, "mallory")
		cfg := r.NewConfig().Set("acct", `"pam"`)
		startKind(t, r, kind, cfg)

		cookie, res := authCookie(r, 0, "alice", "alice-Pass-1")
		if cookie == "" || res.ExitCode != 0 {
			t.Fatalf("openconnect --authenticate: exit %d, no cookie:\n%s", res.ExitCode, res.Output)
		}
		if got := readPAMRecords(logPath); len(got) != 0 {
			t.Errorf("PAM records after authentication only = %q, want none (accounting runs at session open)", got)
		}
		c := connectCookie(r, cookie)
		if err := c.WaitUp(20 * time.Second); err != nil {
			t.Fatalf("connect with the cookie: %v\n%s", err, c.Log())
		}
		if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
			t.Fatal(err)
		}
		if got, want := readPAMRecords(logPath), []string{"account:alice"}; !slices.Equal(got, want) {
			t.Errorf("PAM records after the session opened = %q, want %q", got, want)
		}
		dropClient(t, r, c)
		// A resumed session is not opened again for accounting.
		c = connectCookie(r, cookie)
		if err := c.WaitUp(20 * time.Second); err != nil {
			t.Fatalf("resume with the cookie: %v\n%s", err, c.Log())
		}
		c.Disconnect()
		waitWorkers(t, r, 0)

		mustRefuse(t, r, "account check fails", rig.ClientOptions{User: "mallory", Password: "mallory-Pass-1"})
		waitWorkers(t, r, 0)
		records[kind] = readPAMRecords(logPath)
		want := []string{"account:alice", "account:mallory"}
		if !slices.Equal(records[kind], want) {
			t.Errorf("PAM records = %q, want %q", records[kind], want)
		}
	})
	if a, b := records[realServer], records[ourServer]; a != nil && b != nil && !slices.Equal(a, b) {
		t.Errorf("PAM records differ: ocserv 1.1.6 %q, ours %q", a, b)
	}
}
