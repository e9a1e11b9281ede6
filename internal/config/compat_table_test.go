package config

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// compatTableFile is docs/compat.md, seen from this package's directory.
const compatTableFile = "../../docs/compat.md"

// compatTableHeading starts the section that lists every option.
const compatTableHeading = "## Every ocserv 1.1.6 option"

// compatRow is one row of that table.
type compatRow struct {
	line           int
	option, status string
	where, tests   string
	statusLC       string
}

// readCompatTable parses the option table of docs/compat.md.
func readCompatTable(t *testing.T) []compatRow {
	t.Helper()
	data, err := os.ReadFile(compatTableFile)
	if err != nil {
		t.Fatalf("reading the option table: %v", err)
	}
	lines := strings.Split(string(data), "\n")
	start := -1
	for i, l := range lines {
		if strings.TrimSpace(l) == compatTableHeading {
			start = i + 1
			break
		}
	}
	if start < 0 {
		t.Fatalf("%s has no section %q", compatTableFile, compatTableHeading)
	}
	optCell := regexp.MustCompile("^`([a-z0-9_-]+)`$")
	var rows []compatRow
	for i := start; i < len(lines); i++ {
		l := strings.TrimSpace(lines[i])
		if strings.HasPrefix(l, "## ") {
			break
		}
		if !strings.HasPrefix(l, "| `") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		if len(cells) != 4 {
			t.Errorf("compat.md line %d: want 4 cells (option | status | where | test), got %d: %s", i+1, len(cells), l)
			continue
		}
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		m := optCell.FindStringSubmatch(cells[0])
		if m == nil {
			t.Errorf("compat.md line %d: option cell %q is not one `name`", i+1, cells[0])
			continue
		}
		rows = append(rows, compatRow{line: i + 1, option: m[1], status: cells[1], where: cells[2], tests: cells[3],
			statusLC: strings.ToLower(cells[1])})
	}
	if len(rows) == 0 {
		t.Fatalf("%s: the section %q has no table rows", compatTableFile, compatTableHeading)
	}
	return rows
}

// compatStatusPrefixes are the words a status may start with.
var compatStatusPrefixes = []string{
	"applied",
	"not implemented — warned at start-up",
	"partly implemented — warned at start-up",
	"partly implemented — warned at login",
	"alias",
	"refused",
	"deprecated",
}

// repoTestNames returns the names of every Test/Fuzz function of the
// repository, so that the table cannot name a test that does not exist.
func repoTestNames(t *testing.T) map[string]bool {
	t.Helper()
	fn := regexp.MustCompile(`(?m)^func ((?:Test|Fuzz)[A-Za-z0-9_]*)\(`)
	names := map[string]bool{}
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "build" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range fn.FindAllSubmatch(src, -1) {
			names[string(m[1])] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("listing the repository's tests: %v", err)
	}
	return names
}

// TestCompatOptionTable checks docs/compat.md's "Every ocserv 1.1.6 option"
// against the loader: every option of the loader's table has exactly one
// row and every row is an option the loader knows; a row says "warned at
// start-up" exactly when the option is in notImplemented; per-user-only
// keys say so; every test and every file the table names exists.
func TestCompatOptionTable(t *testing.T) {
	rows := readCompatTable(t)
	tests := repoTestNames(t)
	testName := regexp.MustCompile(`\b(?:Test|Fuzz)[A-Z][A-Za-z0-9_]*`)
	seen := map[string]int{}
	for _, r := range rows {
		if prev, dup := seen[r.option]; dup {
			t.Errorf("compat.md line %d: option %s already listed at line %d", r.line, r.option, prev)
			continue
		}
		seen[r.option] = r.line
		o, ok := LookupOption(r.option)
		if !ok {
			t.Errorf("compat.md line %d: %s is not an option the loader knows (internal/config/options.go)", r.line, r.option)
			continue
		}
		checkCompatStatus(t, r, o)
		for _, name := range testName.FindAllString(r.tests, -1) {
			if !tests[name] {
				t.Errorf("compat.md line %d (%s): test %s does not exist", r.line, r.option, name)
			}
		}
		checkCompatWhere(t, r)
	}
	for _, o := range AllOptions() {
		if _, ok := seen[o.Name]; !ok {
			t.Errorf("option %s (internal/config/options.go) has no row in %s, section %q", o.Name, compatTableFile, compatTableHeading)
		}
	}
	for name := range notImplemented {
		if _, ok := LookupOption(name); !ok {
			t.Errorf("notImplemented lists %s, which is not in optionTable", name)
		}
	}
}

// checkCompatWhere checks that the files and packages of a row's "where"
// cell exist: "a/b/c.go, d.go, e/f (note)" names a/b/c.go, a/b/d.go and
// e/f, relative to the repository's root.
func checkCompatWhere(t *testing.T, r compatRow) {
	t.Helper()
	if r.where == "" {
		t.Errorf("compat.md line %d (%s): empty 'where' cell", r.line, r.option)
		return
	}
	dir := ""
	for _, tok := range strings.Split(r.where, ",") {
		tok = strings.TrimSpace(tok)
		if i := strings.Index(tok, " ("); i >= 0 {
			tok = tok[:i]
		}
		path := tok
		if strings.Contains(tok, "/") {
			dir = tok
			if strings.HasSuffix(tok, ".go") {
				dir = filepath.Dir(tok)
			}
		} else if dir != "" {
			path = dir + "/" + tok
		}
		if _, err := os.Stat(filepath.Join("../..", path)); err != nil {
			t.Errorf("compat.md line %d (%s): 'where' names %s, which does not exist", r.line, r.option, path)
		}
	}
}

// compatWarned matches the statuses of options ocserv-go warns about.
var compatWarned = regexp.MustCompile(`warned at (start-up|login)`)

// checkCompatStatus checks one row's status against the loader's knowledge
// of the option.
func checkCompatStatus(t *testing.T, r compatRow, o OptionInfo) {
	t.Helper()
	known := false
	for _, p := range compatStatusPrefixes {
		if strings.HasPrefix(r.status, p) {
			known = true
		}
	}
	if !known {
		t.Errorf("compat.md line %d (%s): status %q starts with none of %q", r.line, r.option, r.status, compatStatusPrefixes)
	}
	warned := compatWarned.MatchString(r.statusLC)
	switch {
	case warned && o.NotImplemented() == "":
		t.Errorf("compat.md line %d: %s is %q, but the loader does not warn about it (not in notImplemented, internal/config/options.go)", r.line, r.option, r.status)
	case !warned && o.NotImplemented() != "":
		t.Errorf("compat.md line %d: %s is in notImplemented (%q) but its status %q does not say \"warned at start-up\" (or \"warned at login\")", r.line, r.option, o.NotImplemented(), r.status)
	case strings.Contains(r.statusLC, "not implemented") && !warned:
		t.Errorf("compat.md line %d: %s is not implemented but not warned about", r.line, r.option)
	}
	perUserOnly := strings.Contains(r.statusLC, "per-user/group files only")
	if perUserOnly != (o.Scope == ScopePerUser) {
		t.Errorf("compat.md line %d: %s: status %q, but the loader's scope says per-user only = %v", r.line, r.option, r.status, o.Scope == ScopePerUser)
	}
}

// unimplementedValues gives, for options of notImplemented with an inert
// rule, a value with an effect in ocserv and one without; other options
// are set to "1".
var unimplementedValues = map[string][2]string{
	"sec-mod-scale":         {"4", "1"},
	"output-buffer":         {"10", "0"},
	"debug-no-secmod-stats": {"true", "false"},
	"try-mtu-discovery":     {"yes", "false"},
}

// TestNotImplementedRecorded checks, option by option, that the main-file
// handler records exactly the options of notImplemented set to a value
// with an effect in ocserv (and only where they are not ignored for another
// reason), so that start-up warns about each of them.
func TestNotImplementedRecorded(t *testing.T) {
	for name, u := range notImplemented {
		if _, ok := unimplementedValues[name]; u.inert != nil && !ok {
			t.Errorf("%s has an inert rule but no test values in unimplementedValues", name)
		}
	}
	for _, o := range AllOptions() {
		vals, ok := unimplementedValues[o.Name]
		if !ok {
			vals = [2]string{"1", ""}
		}
		for _, vhost := range []bool{false, true} {
			section := ""
			if vhost {
				section = "vhost:v.example"
			}
			l := &loader{cfg: newConfig(), w: &bytes.Buffer{}}
			l.handle(section, o.Name, vals[0], 1)
			place := ScopeGlobal
			if vhost {
				place = ScopeVhost
			}
			u := notImplemented[o.Name]
			want := u.what != "" && o.Scope&place != 0 && (u.where == 0 || u.where&place != 0)
			checkRecorded(t, l.cfg.NotImplemented, o, vhost, want)
			if vals[1] == "" {
				continue
			}
			// The value without effect, alone and after the other one.
			l = &loader{cfg: newConfig(), w: &bytes.Buffer{}}
			l.handle(section, o.Name, vals[1], 1)
			checkRecorded(t, l.cfg.NotImplemented, o, vhost, false)
			l.handle(section, o.Name, vals[0], 2)
			l.handle(section, o.Name, vals[1], 3)
			checkRecorded(t, l.cfg.NotImplemented, o, vhost, false)
		}
	}
}

func checkRecorded(t *testing.T, got []UnimplementedUse, o OptionInfo, vhost, want bool) {
	t.Helper()
	if !want {
		if len(got) != 0 {
			t.Errorf("%s (vhost %v): recorded %+v, want nothing", o.Name, vhost, got)
		}
		return
	}
	wantVhost := ""
	if vhost {
		wantVhost = "v.example"
	}
	if len(got) != 1 || got[0].Option != o.Name || got[0].Vhost != wantVhost || got[0].Reason != o.NotImplemented() {
		t.Errorf("%s (vhost %v): recorded %+v", o.Name, vhost, got)
	}
}

// TestStartupWarnings loads a whole file that sets options ocserv-go does
// not apply: one warning each (once, however often the option is repeated),
// in file order, naming the option, its vhost and docs/compat.md; nothing
// of it in what Load prints (the `ocserv -t` output, which matches
// ocserv's).
func TestStartupWarnings(t *testing.T) {
	text := strings.Join([]string{
		"auth = plain[passwd=/p]", "tcp-port = 1", "socket-file = /s", "server-cert = /c", "server-key = /k",
		"device = d", "ipv4-network = 10.0.0.0/8",
		"srk-pin = 1234", "sec-mod-scale = 4", "srk-pin = 5678",
		"kkdcp = /KdcProxy EXAMPLE.COM udp@127.0.0.1:88", "dpd = 30",
		"try-mtu-discovery = true", "debug-no-secmod-stats = false", "output-buffer = 0", "try-mtu-discovery = false",
		"[vhost:v.example]",
		"auth = plain[passwd=/p]", "server-cert = /c", "server-key = /k", "ipv4-network = 10.1.0.0/16",
		"output-buffer = 10", "sec-mod-scale = 2",
	}, "\n") + "\n"
	var stderr bytes.Buffer
	cfg, err := LoadBytes([]byte(text), LoadOptions{Stderr: &stderr})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	want := []string{
		"warning: the option 'srk-pin' is not implemented by ocserv-go: " + notImplemented["srk-pin"].what + " (see docs/compat.md)",
		"warning: the option 'sec-mod-scale' is not implemented by ocserv-go: " + notImplemented["sec-mod-scale"].what + " (see docs/compat.md)",
		"warning: the option 'kkdcp' is not implemented by ocserv-go: " + notImplemented["kkdcp"].what + " (see docs/compat.md)",
		"warning: vhost:v.example: the option 'output-buffer' is not implemented by ocserv-go: " + notImplemented["output-buffer"].what + " (see docs/compat.md)",
	}
	got := cfg.StartupWarnings()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("StartupWarnings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if strings.Contains(stderr.String(), "not implemented") {
		t.Errorf("Load printed a start-up warning (ocserv -t would differ from ocserv):\n%s", stderr.String())
	}
	if !strings.Contains(stderr.String(), "warning: sec-mod-scale is ignored on v.example virtual host") {
		t.Errorf("ocserv's own vhost warning is missing:\n%s", stderr.String())
	}
}

// TestUserFileWarnings: a per-user or per-group file that sets an option
// ocserv-go does not apply gets a log line naming the option and the file
// for each line with an effect in ocserv; applied options and values
// get none.
func TestUserFileWarnings(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "users"), 0o755); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "users", "bob")
	if err := os.WriteFile(file, []byte("rx-data-per-sec = 2000\ndpd = 30\ntx-data-per-sec = 1000\nuser-profile = /p.xml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	v := newVhost("default")
	v.ConfigPerUser = filepath.Join(dir, "users")
	var logs []string
	s, err := SessionConfig(v, "bob", "", func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) })
	if err != nil {
		t.Fatal(err)
	}
	if s.RxDataPerSec != 2 || s.TxDataPerSec != 1 || s.DPD != 30 {
		t.Errorf("values: rx %d tx %d dpd %d", s.RxDataPerSec, s.TxDataPerSec, s.DPD)
	}
	want := []string{
		"option 'user-profile' in " + file + " is not implemented by ocserv-go: " + notImplemented["user-profile"].what + " (see docs/compat.md)",
	}
	if strings.Join(logs, "\n") != strings.Join(want, "\n") {
		t.Errorf("logs:\n%s\nwant:\n%s", strings.Join(logs, "\n"), strings.Join(want, "\n"))
	}
}
