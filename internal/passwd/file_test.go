package passwd

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseGroups(t *testing.T) {
	many := make([]string, 40)
	for i := range many {
		many[i] = "g" + string(rune('A'+i))
	}
	tests := []struct {
		in   string
		want []string
	}{
		{"*", nil}, // ocpasswd's default: one-character names are dropped
		{"admins,users", []string{"admins", "users"}},
		{"tost ,  group1  ,  group2", []string{"tost", "group1", "group2"}},
		// Leading space of the first entry is kept; "x " has raw length 2
		// before its comma, so ocserv's code keeps it (see package doc).
		{" ops , x ,dev ", []string{" ops", "x", "dev"}},
		{" ops ,x,dev", []string{" ops", "dev"}},
		{"", []string{""}}, // one empty entry: no default group
		{"a,b", nil},
		{"ab,c", []string{"ab"}},
		{"a,bc", []string{"bc"}},
		{",admins", []string{"", "admins"}},
		{"admins,", []string{"admins", ""}},
		{"a,,b", []string{""}},
		{"my group", []string{"my"}}, // last entry cut at its last space
		{"x y", nil},                 // cut to "x", then dropped
		{"grp\t", []string{"grp\t"}}, // only ' ' triggers the last-entry cut
		{"grp \t", []string{"grp"}},  // cut at the space
		{"a\tb,cd", []string{"a\tb", "cd"}},
		{"  ,cd", []string{"", "cd"}}, // whitespace-only first entry
		{strings.Join(many, ","), many[:MaxGroups]},
	}
	for _, tc := range tests {
		got := ParseGroups(tc.in)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseGroups(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ocpasswd")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLookup(t *testing.T) {
	const h = "$5$MY5fpRvcG.2nzYcU$hm5KmFixSykO7N7HhIHsqHNfTR2jLXFO6f8c7o6JCT9"
	long := strings.Repeat("z", 600)
	tests := []struct {
		name, file, user string
		found            bool
		want             Entry
	}{
		{"simple", "alice:*:" + h + "\n", "alice", true,
			Entry{Username: "alice", Hash: h}},
		{"groups", "bob:admins,users:" + h + "\n", "bob", true,
			Entry{Username: "bob", Groups: []string{"admins", "users"}, Hash: h}},
		{"locked", "bob:admins:!" + h + "\n", "bob", true,
			Entry{Username: "bob", Groups: []string{"admins"}, Hash: "!" + h, Locked: true}},
		{"empty hash", "carol:*:\n", "carol", true,
			Entry{Username: "carol", NoPassword: true}},
		{"crlf", "dave:ops:" + h + "\r\n", "dave", true,
			Entry{Username: "dave", Groups: []string{"ops"}, Hash: h}},
		{"only one cr removed", "dave:ops:" + h + "\r\r\n", "dave", true,
			Entry{Username: "dave", Groups: []string{"ops"}, Hash: h + "\r"}},
		{"no final newline", "erin:*:" + h, "erin", true,
			Entry{Username: "erin", Hash: h}},
		{"fourth field ignored", "fred:*:" + h + ":extra:x\n", "fred", true,
			Entry{Username: "fred", Hash: h}},
		{"first match wins", "gina:a1:hash1\ngina:a2:hash2\n", "gina", true,
			Entry{Username: "gina", Groups: []string{"a1"}, Hash: "hash1"}},
		{"line without hash field skipped", "hank:grp\nhank:g2:hh\n", "hank", true,
			Entry{Username: "hank", Groups: []string{"g2"}, Hash: "hh"}},
		{"line without groups field skipped", "hank1\nhank1:g2:hh\n", "hank1", true,
			Entry{Username: "hank1", Groups: []string{"g2"}, Hash: "hh"}},
		{"case sensitive", "Ivan:*:" + h + "\n", "ivan", false, Entry{}},
		{"prefix is not a match", "ivanx:*:" + h + "\n", "ivan", false, Entry{}},
		{"comment harmless", "# x:y:z\njoe:*:h1\n", "joe", true,
			Entry{Username: "joe", Hash: "h1"}},
		{"comment user", "# x:y:z\n", "# x", true,
			Entry{Username: "# x", Hash: "z"}},
		{"short line skipped", "a:b\n", "a", false, Entry{}}, // 4 bytes with the newline
		{"five bytes with newline", "a:b:\n", "a", true, Entry{Username: "a", NoPassword: true}},
		{"four bytes skipped", "a::x", "a", false, Entry{}}, // exactly 4 bytes
		{"five bytes parsed", "a::xy", "a", true, Entry{Username: "a", Groups: []string{""}, Hash: "xy"}},
		{"nul cuts line", "kim:*:ab\x00cd\n", "kim", true, Entry{Username: "kim", Hash: "ab"}},
		{"unknown user", "alice:*:" + h + "\n", "mallory", false, Entry{}},
		{"empty file", "", "alice", false, Entry{}},
		{"empty username field", ":g1:hh\n", "", true,
			Entry{Username: "", Groups: []string{"g1"}, Hash: "hh"}},
		// A line longer than 510 bytes is split; the rest is parsed as a line.
		{"long line split", long + "\nzzzz:" + long[:500] + "\nlen:*:" + h + "\n", "len", true,
			Entry{Username: "len", Hash: h}},
		{"split tail becomes a line", strings.Repeat("q", 510) + "tail:gg:hh\n", "tail", true,
			Entry{Username: "tail", Groups: []string{"gg"}, Hash: "hh"}},
		{"hash cut at 127 bytes", "lh:*:" + strings.Repeat("h", 200) + "\n", "lh", true,
			Entry{Username: "lh", Hash: strings.Repeat("h", 127)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, tc.file)
			e, found, err := Lookup(p, tc.user)
			if err != nil {
				t.Fatal(err)
			}
			if found != tc.found {
				t.Fatalf("found = %v, want %v (entry %+v)", found, tc.found, e)
			}
			if !reflect.DeepEqual(e, tc.want) {
				t.Errorf("entry = %+v, want %+v", e, tc.want)
			}
		})
	}
}

func TestLookupMissingFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope")
	_, _, err := Lookup(p, "x")
	if err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("err = %v, want one naming %s", err, p)
	}
	if _, err := AllGroups(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Fatalf("AllGroups err = %v", err)
	}
}

func TestEntryGroupHelpers(t *testing.T) {
	e := Entry{Groups: []string{"admins", "users"}}
	if e.DefaultGroup() != "admins" || !e.HasGroup("users") || e.HasGroup("user") {
		t.Errorf("helpers wrong for %+v", e)
	}
	var none Entry
	if none.DefaultGroup() != "" || none.HasGroup("") {
		t.Errorf("helpers wrong for empty entry")
	}
}

func TestAllGroups(t *testing.T) {
	file := "a:admins,users:h1\n" +
		"b:users, ops ,x:h2\n" +
		"junk line without colon\n" +
		"c:*:h3\n" +
		"d:\n" + // 2 bytes: skipped
		"e:dev:\n" +
		"f\n" +
		"gggg:ops\n" + // no hash field: groups still count
		"h: lead,zz\n"
	p := writeFile(t, file)
	got, err := AllGroups(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"admins", "users", "ops", "dev", " lead", "zz"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("AllGroups = %q, want %q", got, want)
	}
}
