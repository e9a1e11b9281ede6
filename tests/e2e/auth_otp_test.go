package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/otpfile"
	"github.com/ocserv-go/ocserv/tests/rig"
)

// otpTokens returns the fields of user's line in the users file.
func otpTokens(t *testing.T, path, user string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[1] == user {
			return f
		}
	}
	t.Fatalf("no line for %s in %s:\n%s", user, path, data)
	return nil
}

// TestAuthOTP (issue 5, criterion 3): plain[passwd=,otp=] with liboath's
// users file. alice (password hash, HOTP) answers the password and then
// the OTP; tuser (empty hash, TOTP) only the OTP. Right codes log in, a
// reused or wrong one is refused, and the file's counter and last OTP are
// written back (liboath keeps the position of the last code used as the
// counter: 0 after HOTP 0, 2 after HOTP 2).
func TestAuthOTP(t *testing.T) {
	secret := []byte("12345678901234567890")
	const secretHex = "3132333435363738393031323334353637383930"
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			f, err := os.OpenFile(r.PasswdFile, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(f, "tuser:*:\n")
			f.Close()
			otpPath := filepath.Join(r.Dir, "users.oath")
			body := fmt.Sprintf("HOTP\talice\t-\t%s\t0\nHOTP/T30\ttuser\t-\t%s\n", secretHex, secretHex)
			if err := os.WriteFile(otpPath, []byte(body), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg := r.NewConfig().Set("auth", fmt.Sprintf(`"plain[passwd=%s,otp=%s]"`, r.PasswdFile, otpPath))
			startKind(t, r, kind, cfg)

			hotp := func(c uint64) string { return otpfile.HOTP(secret, c, 6) }
			login := func(what, user, stdin string) {
				t.Helper()
				c := mustLogin(t, r, what, rig.ClientOptions{User: user, Stdin: stdin})
				c.Disconnect()
			}
			login("alice password + HOTP 0", "alice", "alice-Pass-1\n"+hotp(0)+"\n")
			if f := otpTokens(t, otpPath, "alice"); len(f) < 6 || f[4] != "0" || f[5] != hotp(0) {
				t.Errorf("after HOTP 0 the line is %q, want counter 0 and last OTP %s", f, hotp(0))
			}
			mustRefuse(t, r, "reused HOTP", rig.ClientOptions{User: "alice", Stdin: "alice-Pass-1\n" + hotp(0) + "\n"})
			mustRefuse(t, r, "wrong HOTP", rig.ClientOptions{User: "alice", Stdin: "alice-Pass-1\n000000\n"})
			mustRefuse(t, r, "wrong password, right HOTP", rig.ClientOptions{User: "alice", Stdin: "wrong\n" + hotp(1) + "\n"})
			// HOTP 2 skips 1: inside the look-ahead window.
			login("alice password + HOTP 2", "alice", "alice-Pass-1\n"+hotp(2)+"\n")
			if f := otpTokens(t, otpPath, "alice"); len(f) < 6 || f[4] != "2" || f[5] != hotp(2) {
				t.Errorf("after HOTP 2 the line is %q, want counter 2 and last OTP %s", f, hotp(2))
			}

			now := time.Now()
			cur := otpfile.TOTP(secret, now, 30, 6)
			login("tuser TOTP only", "tuser", cur+"\n")
			if f := otpTokens(t, otpPath, "tuser"); len(f) < 6 || f[5] != cur {
				t.Errorf("after TOTP the line is %q, want last OTP %s", f, cur)
			}
			mustRefuse(t, r, "reused TOTP", rig.ClientOptions{User: "tuser", Stdin: cur + "\n"})
			next := otpfile.TOTP(secret, now.Add(30*time.Second), 30, 6)
			login("tuser next TOTP", "tuser", next+"\n")
			if st, err := os.Stat(otpPath); err != nil || st.Mode().Perm() != 0o600 {
				t.Errorf("users file mode after rewrite: %v %v", st.Mode(), err)
			}
		})
	}
}
