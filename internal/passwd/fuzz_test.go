package passwd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzLookup(f *testing.F) {
	f.Add([]byte("alice:*:$5$abc$def\nbob:admins,users:!x\n"), "bob")
	f.Add([]byte("a::\r\n\x00:b:c\n"), "a")
	f.Add([]byte(strings.Repeat("x", 520)+"\nu:g:h"), "u")
	dir := f.TempDir()
	n := 0
	f.Fuzz(func(t *testing.T, data []byte, user string) {
		n++
		p := filepath.Join(dir, "f")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		e, found, err := Lookup(p, user)
		if err != nil {
			t.Fatal(err)
		}
		if found {
			if e.Username != user || len(e.Hash) > hashMax || len(e.Groups) > MaxGroups {
				t.Fatalf("bad entry %+v", e)
			}
			if e.Locked != strings.HasPrefix(e.Hash, "!") || e.NoPassword != (e.Hash == "") {
				t.Fatalf("flags wrong %+v", e)
			}
		}
		g, err := AllGroups(p)
		if err != nil || len(g) > MaxGroups {
			t.Fatalf("AllGroups = %q, %v", g, err)
		}
	})
}

func FuzzGroups(f *testing.F) {
	for _, s := range []string{"*", "admins,users", " ops , x ,dev ", "", ",,", "a b c", " ,\t, "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		g := ParseGroups(s)
		if len(g) > MaxGroups {
			t.Fatalf("%d groups", len(g))
		}
		if len(g) > 0 && !strings.Contains(s, ",") && len(g[len(g)-1]) == 1 {
			t.Fatalf("one-byte last group kept: %q", g)
		}
		for _, x := range g {
			if strings.Contains(x, ",") || len(x) > len(s) {
				t.Fatalf("ParseGroups(%q) = %q", s, g)
			}
		}
	})
}
