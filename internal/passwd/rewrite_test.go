package passwd

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRewrite(t *testing.T) {
	tests := []struct {
		name   string
		old    *string // nil = no file
		edit   Edit
		want   string
		wantEr error
	}{
		{"set creates", nil, Edit{OpSet, "bob", "*", "H"}, "bob:*:H\n", nil},
		{"set appends", ptr("alice:*:A\n"), Edit{OpSet, "bob", "g1,g2", "H"},
			"alice:*:A\nbob:g1,g2:H\n", nil},
		{"set replaces in place, every line", ptr("bob:x:1\nalice:*:A\nbob:y:2\n"),
			Edit{OpSet, "bob", "*", "H"}, "bob:*:H\nalice:*:A\nbob:*:H\n", nil},
		{"set drops lines without colon", ptr("# comment\n\njunk\nalice:*:A\n# a:b\n"),
			Edit{OpSet, "bob", "*", "H"}, "alice:*:A\n# a:b\nbob:*:H\n", nil},
		{"set glues to unterminated last line", ptr("alice:g:h"),
			Edit{OpSet, "bob", "*", "H"}, "alice:g:hbob:*:H\n", nil},
		{"set prefix user untouched", ptr("bobby:*:B\nbo:*:C\n"),
			Edit{OpSet, "bob", "*", "H"}, "bobby:*:B\nbo:*:C\nbob:*:H\n", nil},
		{"nul before colon drops line", ptr("a\x00b:c:d\nalice:*:A\n"),
			Edit{OpSet, "bob", "*", "H"}, "alice:*:A\nbob:*:H\n", nil},
		{"crlf lines kept", ptr("alice:*:A\r\n"), Edit{OpSet, "bob", "*", "H"},
			"alice:*:A\r\nbob:*:H\n", nil},
		{"delete", ptr("bob:*:1\nalice:*:A\nbob:g:2"), Edit{Op: OpDelete, Username: "bob"},
			"alice:*:A\n", nil},
		{"delete unknown user", ptr("alice:*:A\njunk\n"), Edit{Op: OpDelete, Username: "bob"},
			"alice:*:A\n", nil},
		{"delete missing file", nil, Edit{Op: OpDelete, Username: "bob"}, "", ErrOpenRead},
		{"lock", ptr("bob:g:H\nalice:*:A\n"), Edit{Op: OpLock, Username: "bob"},
			"bob:g:!H\nalice:*:A\n", nil},
		{"lock idempotent", ptr("bob:g:!H\n"), Edit{Op: OpLock, Username: "bob"}, "bob:g:!H\n", nil},
		{"lock empty hash", ptr("bob:g:\n"), Edit{Op: OpLock, Username: "bob"}, "bob:g:!\n", nil},
		{"lock drops user line without 2nd colon", ptr("bob:x\nalice:*:A\n"),
			Edit{Op: OpLock, Username: "bob"}, "alice:*:A\n", nil},
		{"lock missing file", nil, Edit{Op: OpLock, Username: "bob"}, "", ErrOpenRead},
		{"unlock", ptr("bob:g:!H\n"), Edit{Op: OpUnlock, Username: "bob"}, "bob:g:H\n", nil},
		{"unlock removes one", ptr("bob:g:!!H\n"), Edit{Op: OpUnlock, Username: "bob"}, "bob:g:!H\n", nil},
		{"unlock idempotent", ptr("bob:g:H"), Edit{Op: OpUnlock, Username: "bob"}, "bob:g:H", nil},
		{"unlock missing file", nil, Edit{Op: OpUnlock, Username: "bob"}, "", ErrOpenRead},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, "ocpasswd")
			if tc.old != nil {
				if err := os.WriteFile(p, []byte(*tc.old), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			err := Rewrite(p, tc.edit)
			if !errors.Is(err, tc.wantEr) || (err != nil) != (tc.wantEr != nil) {
				t.Fatalf("err = %v, want %v", err, tc.wantEr)
			}
			if _, serr := os.Stat(TempPath(p)); serr == nil {
				t.Errorf("%s left behind", TempPath(p))
			}
			if tc.wantEr != nil {
				return
			}
			got, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Errorf("file = %q, want %q", got, tc.want)
			}
			st, _ := os.Stat(p)
			if st.Mode().Perm() != 0o600 {
				t.Errorf("mode = %v, want 0600", st.Mode().Perm())
			}
		})
	}
}

func ptr(s string) *string { return &s }

func TestRewriteLocked(t *testing.T) {
	for _, op := range []Op{OpSet, OpDelete, OpLock, OpUnlock} {
		dir := t.TempDir()
		p := filepath.Join(dir, "f")
		os.WriteFile(p, []byte("bob:*:H\n"), 0o600)
		os.WriteFile(TempPath(p), []byte("other\n"), 0o600)
		err := Rewrite(p, Edit{Op: op, Username: "bob", Groups: "*", Hash: "X"})
		if !errors.Is(err, ErrLocked) {
			t.Errorf("op %d: err = %v, want ErrLocked", op, err)
		}
		if b, _ := os.ReadFile(TempPath(p)); string(b) != "other\n" {
			t.Errorf("op %d: lock file touched: %q", op, b)
		}
		if b, _ := os.ReadFile(p); string(b) != "bob:*:H\n" {
			t.Errorf("op %d: file changed: %q", op, b)
		}
	}
}

func TestRewriteFailureCleansUp(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "isdir")
	if err := os.MkdirAll(filepath.Join(p, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	// FILE is a directory: reading it fails (ocpasswd would instead fail
	// at the rename); either way nothing may be left behind.
	err := Rewrite(p, Edit{Op: OpSet, Username: "bob", Groups: "*", Hash: "H"})
	if err == nil {
		t.Fatal("Rewrite over a directory succeeded")
	}
	if _, serr := os.Stat(TempPath(p)); serr == nil {
		t.Errorf("%s left behind", TempPath(p))
	}
}
