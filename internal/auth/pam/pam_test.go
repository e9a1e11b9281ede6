//go:build cgo

package pam

import (
	"errors"
	"sync"
	"testing"
	"time"

	gopam "github.com/msteinert/pam/v2"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
)

// fakeTxn is a PAM transaction whose stack asks one password prompt and
// accepts "right".
type fakeTxn struct {
	conv func(gopam.Style, string) (string, error)
}

func (f *fakeTxn) Authenticate(gopam.Flags) error {
	if _, err := f.conv(gopam.TextInfo, "welcome"); err != nil {
		return err
	}
	r, err := f.conv(gopam.PromptEchoOff, "Password: ")
	if err != nil {
		return err
	}
	if r != "right" {
		return errors.New("authentication failure")
	}
	return nil
}

func (f *fakeTxn) AcctMgmt(gopam.Flags) error { return nil }
func (f *fakeTxn) End() error                 { return nil }

var fakeOnce sync.Once

// useFakePAM replaces libpam with fakeTxn for the whole test binary (no
// test here uses the real stack).
func useFakePAM() {
	fakeOnce.Do(func() {
		startTxn = func(_, _ string, conv func(gopam.Style, string) (string, error)) (txn, error) {
			return &fakeTxn{conv: conv}, nil
		}
	})
}

// waitInUse waits (bounded) until lim has n transactions in progress.
func waitInUse(t *testing.T, lim *Limits, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for lim.InUse() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d PAM transactions in progress, want %d", lim.InUse(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestPAMLogin(t *testing.T) {
	useFakePAM()
	lim := NewLimits(4, time.Minute)
	m, _ := New(nil, lim, t.Logf)
	for _, tt := range []struct {
		pw   string
		want auth.Result
	}{{"right", auth.OK}, {"wrong", auth.Failed}} {
		s, r, err := m.Init(auth.InitInfo{Username: "alice"})
		if err != nil || r != auth.Continue {
			t.Fatalf("Init: %v %v", r, err)
		}
		if p := s.Prompt(); p.Msg != "welcome\nPassword: " {
			t.Errorf("prompt %q", p.Msg)
		}
		if r := s.Pass(tt.pw); r != tt.want {
			t.Errorf("Pass(%q) = %v, want %v", tt.pw, r, tt.want)
		}
		s.Close()
	}
	waitInUse(t, lim, 0)
}

// TestPAMConcurrencyBound: logins beyond the bound fail at once instead of
// pinning one more thread each; a closed login frees its slot.
func TestPAMConcurrencyBound(t *testing.T) {
	useFakePAM()
	const max = 5
	lim := NewLimits(max, time.Hour)
	m, _ := New(nil, lim, t.Logf)
	var open []auth.Session
	for i := 0; i < max+3; i++ {
		s, r, err := m.Init(auth.InitInfo{Username: "alice"})
		if err != nil {
			t.Fatal(err)
		}
		if i < max && r != auth.Continue {
			t.Fatalf("login %d: %v, want continue", i, r)
		}
		if i >= max && (r != auth.Failed || s != nil) {
			t.Fatalf("login %d beyond the bound: %v, want failed", i, r)
		}
		if s != nil {
			open = append(open, s)
		}
	}
	if lim.InUse() != max {
		t.Fatalf("%d in progress, want %d", lim.InUse(), max)
	}
	// The client left: sec-mod closes its login, the slot comes back.
	open[0].Close()
	waitInUse(t, lim, max-1)
	s, r, _ := m.Init(auth.InitInfo{Username: "alice"})
	if r != auth.Continue {
		t.Fatalf("login after a slot was freed: %v", r)
	}
	open = append(open[1:], s)
	for _, s := range open {
		s.Close()
	}
	waitInUse(t, lim, 0)
}

// TestPAMConversationTimeout: a conversation nobody answers ends at the
// timeout (auth-timeout) and frees its slot; a late answer fails.
func TestPAMConversationTimeout(t *testing.T) {
	useFakePAM()
	lim := NewLimits(2, 300*time.Millisecond)
	m, _ := New(nil, lim, t.Logf)
	s, r, _ := m.Init(auth.InitInfo{Username: "alice"})
	if r != auth.Continue {
		t.Fatalf("Init: %v", r)
	}
	waitInUse(t, lim, 0)
	if r := s.Pass("right"); r != auth.Failed {
		t.Errorf("answer after the timeout: %v, want failed", r)
	}
	s.Close()
}

func TestLimitsFor(t *testing.T) {
	for _, tt := range []struct {
		maxClients, authTimeout int
		wantMax                 int
		wantTimeout             time.Duration
	}{
		{0, 240, DefaultMaxConcurrent, 240 * time.Second},
		{16, 40, 16, 40 * time.Second},
		{100000, 0, HardMaxConcurrent, DefaultTimeout},
	} {
		lim := LimitsFor(&config.Config{MaxClients: tt.maxClients, AuthTimeout: tt.authTimeout})
		if lim.Max() != tt.wantMax || lim.Timeout() != tt.wantTimeout {
			t.Errorf("max-clients %d auth-timeout %d: max %d timeout %v, want %d %v",
				tt.maxClients, tt.authTimeout, lim.Max(), lim.Timeout(), tt.wantMax, tt.wantTimeout)
		}
	}
}
