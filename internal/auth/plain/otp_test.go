package plain

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/otpfile"
)

func TestOTPLogin(t *testing.T) {
	pw := writeFile(t)
	secret := []byte("12345678901234567890")
	otpPath := filepath.Join(t.TempDir(), "users.oath")
	body := "HOTP alice - 3132333435363738393031323334353637383930 0\n" +
		"HOTP nopass - 3132333435363738393031323334353637383930 0\n" +
		"HOTP/T30 carol - 3132333435363738393031323334353637383930\n"
	if err := os.WriteFile(otpPath, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1700000000, 0)
	hotp := func(c uint64) string { return otpfile.HOTP(secret, c, 6) }
	totp := otpfile.TOTP(secret, now, 30, 6)
	type step struct {
		in   string
		want auth.Result
		msg  string
	}
	for _, tc := range []struct {
		name     string
		opts     config.PlainOptions
		user     string
		initWant auth.Result
		initMsg  string
		steps    []step
	}{
		{"password then OTP", config.PlainOptions{Passwd: pw, OTP: otpPath}, "alice", auth.Continue, "",
			[]step{{"secret", auth.Continue, auth.MsgOTP}, {hotp(0), auth.OK, ""}}},
		{"reused OTP", config.PlainOptions{Passwd: pw, OTP: otpPath}, "alice", auth.Continue, "",
			[]step{{"secret", auth.Continue, auth.MsgOTP}, {hotp(0), auth.Failed, ""}}},
		{"wrong password retried, wrong OTP fails at once", config.PlainOptions{Passwd: pw, OTP: otpPath}, "alice", auth.Continue, "",
			[]step{{"bad", auth.Continue, auth.MsgLoginFailed}, {"secret", auth.Continue, auth.MsgOTP}, {"000000", auth.Failed, ""}}},
		{"empty hash: OTP only", config.PlainOptions{Passwd: pw, OTP: otpPath}, "nopass", auth.Continue, auth.MsgOTP,
			[]step{{hotp(0), auth.OK, ""}}},
		{"no passwd file: OTP only, TOTP", config.PlainOptions{OTP: otpPath}, "carol", auth.Continue, auth.MsgOTP,
			[]step{{totp, auth.OK, ""}}},
		{"no passwd file: unknown OTP user", config.PlainOptions{OTP: otpPath}, "zed", auth.Continue, auth.MsgOTP,
			[]step{{totp, auth.Failed, ""}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			m, err := New(&opts, t.Logf)
			if err != nil {
				t.Fatal(err)
			}
			m.now = func() time.Time { return now }
			s, r, err := m.Init(auth.InitInfo{Username: tc.user})
			if err != nil || r != tc.initWant {
				t.Fatalf("Init = %v, %v; want %v", r, err, tc.initWant)
			}
			if got := s.Prompt().Msg; got != tc.initMsg {
				t.Fatalf("first prompt %q, want %q", got, tc.initMsg)
			}
			for i, st := range tc.steps {
				if got := s.Pass(st.in); got != st.want {
					t.Fatalf("step %d: Pass = %v, want %v", i, got, st.want)
				}
				if st.want == auth.Continue {
					if got := s.Prompt().Msg; got != st.msg {
						t.Fatalf("step %d: prompt %q, want %q", i, got, st.msg)
					}
				}
			}
		})
	}
}
