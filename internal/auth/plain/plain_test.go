package plain

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/passwd"
)

func writeFile(t *testing.T) string {
	t.Helper()
	h, err := passwd.Hash("secret")
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "passwd")
	data := "alice:staff,admins:" + h + "\n" +
		"bob:*:" + h + "\n" +
		"nopass:users:\n" +
		"locked:staff:!" + h + "\n"
	if err := os.WriteFile(p, []byte(data), 0600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewRefuses(t *testing.T) {
	if _, err := New(nil, nil); err == nil {
		t.Error("nil options accepted")
	}
	if _, err := New(&config.PlainOptions{}, nil); err == nil {
		t.Error("options without files accepted")
	}
}

func TestLogin(t *testing.T) {
	p := writeFile(t)
	m, err := New(&config.PlainOptions{Passwd: p}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type() != auth.TypePlain || !m.AllowsRetries() || m.Name() != "plain" {
		t.Fatal("module identity")
	}
	type step struct {
		pw   string
		want auth.Result
		msg  string
	}
	for _, tc := range []struct {
		name     string
		user     string
		initWant auth.Result
		steps    []step
	}{
		{"right first time", "alice", auth.Continue, []step{{"secret", auth.OK, ""}}},
		{"right after two wrong", "alice", auth.Continue, []step{
			{"x", auth.Continue, auth.MsgLoginFailed}, {"y", auth.Continue, auth.MsgLoginFailed}, {"secret", auth.OK, auth.MsgLoginFailed}}},
		{"three wrong", "alice", auth.Continue, []step{
			{"x", auth.Continue, auth.MsgLoginFailed}, {"y", auth.Continue, auth.MsgLoginFailed}, {"z", auth.Failed, auth.MsgLoginFailed}}},
		{"unknown user", "mallory", auth.Continue, []step{
			{"secret", auth.Continue, auth.MsgLoginFailed}, {"secret", auth.Continue, auth.MsgLoginFailed}, {"secret", auth.Failed, auth.MsgLoginFailed}}},
		{"locked user", "locked", auth.Continue, []step{
			{"secret", auth.Continue, auth.MsgLoginFailed}, {"!secret", auth.Continue, auth.MsgLoginFailed}, {"secret", auth.Failed, auth.MsgLoginFailed}}},
		{"empty hash", "nopass", auth.OK, []step{{"anything", auth.Failed, ""}}},
		{"empty username", "", auth.Failed, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, r, err := m.Init(auth.InitInfo{Username: tc.user})
			if err != nil || r != tc.initWant {
				t.Fatalf("Init = %v, %v; want %v", r, err, tc.initWant)
			}
			if s == nil {
				return
			}
			if p := s.Prompt(); p.Msg != "" || p.Counter != 0 {
				t.Errorf("first prompt %+v", p)
			}
			for i, st := range tc.steps {
				if got := s.Pass(st.pw); got != st.want {
					t.Fatalf("step %d: %v, want %v", i, got, st.want)
				}
				if p := s.Prompt(); p.Msg != st.msg || p.Counter != 0 {
					t.Errorf("step %d prompt %+v", i, p)
				}
			}
		})
	}
}

func TestGroups(t *testing.T) {
	p := writeFile(t)
	m, _ := New(&config.PlainOptions{Passwd: p}, nil)
	for _, tc := range []struct {
		user, suggested, want string
		err                   error
	}{
		{"alice", "", "staff", nil},
		{"alice", "admins", "admins", nil},
		{"alice", "users", "", auth.ErrNotMember},
		{"bob", "", "", nil}, // '*' is dropped
		{"mallory", "", "", nil},
		{"mallory", "staff", "", auth.ErrNotMember},
	} {
		s, _, err := m.Init(auth.InitInfo{Username: tc.user})
		if err != nil {
			t.Fatal(err)
		}
		g, err := s.Group(tc.suggested)
		if g != tc.want || !errors.Is(err, tc.err) {
			t.Errorf("%s/%q: %q, %v", tc.user, tc.suggested, g, err)
		}
	}
	all, err := m.GroupList()
	if err != nil || len(all) != 3 {
		t.Errorf("GroupList = %v, %v", all, err)
	}
}

func TestReReadAndMissingFile(t *testing.T) {
	p := writeFile(t)
	m, _ := New(&config.PlainOptions{Passwd: p}, nil)
	if err := os.WriteFile(p, []byte("carol:g1:\n"), 0600); err != nil {
		t.Fatal(err)
	}
	if _, r, _ := m.Init(auth.InitInfo{Username: "carol"}); r != auth.OK {
		t.Errorf("edited file not re-read: %v", r)
	}
	os.Remove(p)
	if _, r, err := m.Init(auth.InitInfo{Username: "carol"}); r != auth.Failed || err == nil {
		t.Errorf("missing file: %v %v", r, err)
	}
}
