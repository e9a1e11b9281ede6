package otpfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var rfcSecret = []byte("12345678901234567890")

func TestHOTPVectors(t *testing.T) {
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for i, w := range want {
		if got := HOTP(rfcSecret, uint64(i), 6); got != w {
			t.Errorf("HOTP(%d) = %s, want %s", i, got, w)
		}
	}
	tests := []struct {
		unix int64
		want string
	}{{59, "94287082"}, {1111111109, "07081804"}, {1234567890, "89005924"}, {2000000000, "69279037"}}
	for _, tc := range tests {
		if got := TOTP(rfcSecret, time.Unix(tc.unix, 0), 30, 8); got != tc.want {
			t.Errorf("TOTP(%d) = %s, want %s", tc.unix, got, tc.want)
		}
	}
}

func TestParseLine(t *testing.T) {
	tests := []struct {
		line           string
		step, digits   int
		counter        uint64
		last, lastTime string
		err            bool
	}{
		{"HOTP huser - 3132 0", 0, 6, 0, "", "", false},
		{"HOTP/E/8\tu\t1234\t3132\t17\t12345678\t2026-01-01T00:00:00L", 0, 8, 17, "12345678", "2026-01-01T00:00:00L", false},
		{"HOTP/T30 tuser - 3132", 30, 6, 0, "", "", false},
		{"HOTP/T60/7 u - 3132 0 1234567", 60, 7, 0, "1234567", "", false},
		{"TOTP u - 3132", 0, 0, 0, "", "", true},
		{"HOTP/T0 u - 3132", 0, 0, 0, "", "", true},
		{"HOTP/9 u - 3132", 0, 0, 0, "", "", true},
		{"HOTP u - zz", 0, 0, 0, "", "", true},
		{"HOTP u -", 0, 0, 0, "", "", true},
		{"HOTP u - 31 x", 0, 0, 0, "", "", true},
	}
	for _, tc := range tests {
		tok, err := ParseLine(tc.line)
		if (err != nil) != tc.err {
			t.Errorf("ParseLine(%q) error = %v, want error %v", tc.line, err, tc.err)
			continue
		}
		if err != nil {
			continue
		}
		if tok.TimeStep != tc.step || tok.Digits != tc.digits || tok.Counter != tc.counter || tok.LastOTP != tc.last || tok.LastTime != tc.lastTime {
			t.Errorf("ParseLine(%q) = %+v", tc.line, tok)
		}
		again, err := ParseLine(tok.Format())
		if err != nil || again.Format() != tok.Format() {
			t.Errorf("Format round trip of %q: %q, %v", tc.line, tok.Format(), err)
		}
	}
}

func writeUsers(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "users.oath")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestAuthenticateHOTP(t *testing.T) {
	p := writeUsers(t, "# comment\nHOTP\thuser\t-\t3132333435363738393031323334353637383930\n\nHOTP/T30 other - 3132\n")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.Local)
	steps := []struct {
		otp  string
		want error
	}{
		{"287082", nil},            // position 1, inside the window
		{"287082", ErrReplayedOTP}, // same code again
		{"755224", ErrInvalidOTP},  // older than the counter
		{"287082", ErrReplayedOTP}, // still the last one
		{"359152", nil},            // position 2
		{"12345", ErrInvalidOTP},   // wrong length
		{"000000", ErrInvalidOTP},
	}
	for i, s := range steps {
		err := Authenticate(p, "huser", s.otp, Window, now)
		if !errors.Is(err, s.want) && !(err == nil && s.want == nil) {
			t.Fatalf("step %d (%s): err = %v, want %v", i, s.otp, err, s.want)
		}
	}
	data, _ := os.ReadFile(p)
	want := "# comment\nHOTP\thuser\t-\t3132333435363738393031323334353637383930\t2\t359152\t2026-01-02T03:04:05L\n\nHOTP/T30 other - 3132\n"
	if string(data) != want {
		t.Fatalf("file after logins:\n%q\nwant\n%q", data, want)
	}
	if st, _ := os.Stat(p); st.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", st.Mode().Perm())
	}
	if err := Authenticate(p, "nobody", "755224", Window, now); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("unknown user: %v", err)
	}
	for _, extra := range []string{".lock", ".new"} {
		if _, err := os.Stat(p + extra); err == nil {
			t.Errorf("%s left behind", extra)
		}
	}
}

func TestAuthenticateTOTP(t *testing.T) {
	p := writeUsers(t, "HOTP/T30/6 tuser - 3132333435363738393031323334353637383930 0\n")
	now := time.Unix(1700000000, 0)
	cur := TOTP(rfcSecret, now, 30, 6)
	next := TOTP(rfcSecret, now.Add(30*time.Second), 30, 6)
	prev := TOTP(rfcSecret, now.Add(-30*time.Second), 30, 6)
	far := TOTP(rfcSecret, now.Add(30*30*time.Second), 30, 6)
	if err := Authenticate(p, "tuser", far, Window, now); !errors.Is(err, ErrInvalidOTP) {
		t.Fatalf("code 30 steps ahead: %v", err)
	}
	if err := Authenticate(p, "tuser", cur, Window, now); err != nil {
		t.Fatalf("current code: %v", err)
	}
	if err := Authenticate(p, "tuser", cur, Window, now); !errors.Is(err, ErrReplayedOTP) {
		t.Fatalf("reused code: %v", err)
	}
	if err := Authenticate(p, "tuser", prev, Window, now); !errors.Is(err, ErrReplayedOTP) {
		t.Fatalf("older code: %v", err)
	}
	if err := Authenticate(p, "tuser", next, Window, now); err != nil {
		t.Fatalf("next code: %v", err)
	}
	data, _ := os.ReadFile(p)
	if !strings.Contains(string(data), "\t0\t"+next+"\t") {
		t.Fatalf("file = %q, want counter 0 and last OTP %s", data, next)
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add("HOTP/T30/6 tuser - 3132333435363738393031323334353637383930 0 479882 2026-11-29T12:07:03L")
	f.Add("HOTP u 1234 00 18446744073709551615")
	f.Add("HOTP/E/8 a b c")
	f.Fuzz(func(t *testing.T, line string) {
		tok, err := ParseLine(line)
		if err != nil {
			return
		}
		if tok.Digits < 6 || tok.Digits > 8 {
			t.Fatalf("digits %d accepted", tok.Digits)
		}
		again, err := ParseLine(tok.Format())
		if err != nil {
			t.Fatalf("re-parse of %q: %v", tok.Format(), err)
		}
		if again.Format() != tok.Format() {
			t.Fatalf("round trip %q -> %q", tok.Format(), again.Format())
		}
	})
}
