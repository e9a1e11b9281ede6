package occtl

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata from the real occtl (/usr/bin/occtl) run against the fake server")

// goldenCases are run with and without -j (show commands) against the
// fixture; the golden files hold the real occtl 1.1.6's stdout.
var goldenCases = []struct {
	name string
	args []string
	json bool // also run with -j
}{
	{"status", []string{"show", "status"}, true},
	{"status_debug", []string{"--debug", "show", "status"}, true},
	{"users", []string{"show", "users"}, true},
	{"user_alice", []string{"show", "user", "alice"}, true},
	{"user_unknown", []string{"show", "user", "nobody"}, true},
	{"id_bob", []string{"show", "id", "19182"}, true},
	{"id_pending", []string{"show", "id", "19200"}, true},
	{"id_unknown", []string{"show", "id", "4242"}, true},
	{"sessions_all", []string{"show", "sessions", "all"}, true},
	{"sessions_valid", []string{"show", "sessions", "valid"}, true},
	{"cookies_all", []string{"show", "cookies", "all"}, false},
	{"session_prefix", []string{"show", "session", "1w"}, true},
	{"session_unknown", []string{"show", "session", "zzzzzz"}, true},
	{"iroutes", []string{"show", "iroutes"}, true},
	{"ip_bans", []string{"show", "ip", "bans"}, true},
	{"ip_ban_points", []string{"show", "ip", "ban", "points"}, true},
	{"disconnect_user", []string{"disconnect", "user", "alice"}, false},
	{"disconnect_user_unknown", []string{"disconnect", "user", "nobody"}, false},
	{"disconnect_id", []string{"disconnect", "id", "19000"}, false},
	{"disconnect_id_unknown", []string{"disconnect", "id", "4242"}, false},
	{"disconnect_id_bad", []string{"disconnect", "id", "abc"}, false},
	{"show_user_noarg", []string{"show", "user"}, false},
	{"unban", []string{"unban", "ip", "10.251.0.2"}, false},
	{"unban_unknown", []string{"unban", "ip", "10.1.1.1"}, false},
	{"unban_bad", []string{"unban", "ip", "notanip"}, false},
	{"reload", []string{"reload"}, false},
	{"stop", []string{"stop"}, false},
	{"unknown", []string{"show", "foo"}, false},
	{"prefix", []string{"show"}, false},
	{"collapsed", []string{"  SHOW ", "  Users  "}, false},
}

// result is one run: stdout, stderr, exit status.
type result struct {
	stdout, stderr string
	code           int
}

func (r result) meta() string { return fmt.Sprintf("%d %q", r.code, r.stderr) }

func runOurs(sock string, now time.Time, args []string, stdin string) result {
	var out, errb bytes.Buffer
	code := run(append([]string{"-s", sock}, args...), IO{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb}, func(x *exec) {
		x.now, x.loc = now, time.UTC
		x.ifStats = func(string) (uint64, uint64, bool) { return 0, 0, false }
	})
	return result{out.String(), errb.String(), code}
}

func runReal(t *testing.T, sock string, args []string, stdin string) result {
	cmd := osexec.Command("/usr/bin/occtl", append([]string{"-s", sock}, args...)...)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*osexec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("running the real occtl: %v", err)
	}
	return result{out.String(), errb.String(), code}
}

type goldenRun struct {
	file  string
	args  []string
	stdin string // interactive input (args empty)
}

// interactiveInput is fed to the prompt (stdin not a terminal: the
// prompt and each line are echoed, as GNU readline does).
const interactiveInput = "show users\nshow user\nshow id abc\nSHOW  USER alice\nshow foo\nhelp\n?\nunban ip 10.251.0.2\nquit\nshow status\n"

func goldenRuns() []goldenRun {
	var runs []goldenRun
	for _, c := range goldenCases {
		runs = append(runs, goldenRun{c.name + ".txt", c.args, ""})
		if c.json {
			runs = append(runs, goldenRun{c.name + ".json", append([]string{"-j"}, c.args...), ""})
		}
	}
	runs = append(runs, goldenRun{"interactive.txt", nil, interactiveInput})
	return runs
}

// capture runs the real occtl for every case within one wall-clock
// second, so that the intervals printed match the stored clock.
func capture(t *testing.T) {
	if _, err := os.Stat("/usr/bin/occtl"); err != nil {
		t.Fatal("-update needs the real occtl in /usr/bin/occtl")
	}
	for attempt := 0; attempt < 20; attempt++ {
		time.Sleep(time.Until(time.Now().Truncate(time.Second).Add(time.Second + 10*time.Millisecond)))
		now := time.Now().Truncate(time.Second)
		srv := startFake(t, newFixture(now))
		var meta strings.Builder
		files := map[string]string{}
		for _, r := range goldenRuns() {
			res := runReal(t, srv.path, r.args, r.stdin)
			files[r.file] = res.stdout
			fmt.Fprintf(&meta, "%s %s\n", r.file, res.meta())
		}
		if time.Now().Truncate(time.Second) != now {
			continue
		}
		for name, data := range files {
			if err := os.WriteFile(filepath.Join("testdata", name), []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join("testdata", "results.txt"), []byte(meta.String()), 0o644)
		os.WriteFile(filepath.Join("testdata", "now.txt"), []byte(strconv.FormatInt(now.Unix(), 10)+"\n"), 0o644)
		return
	}
	t.Fatal("could not run every case within one second")
}

// TestGolden renders the fixture with our occtl and compares stdout, exit
// status and stderr with what the real occtl printed for the same replies.
func TestGolden(t *testing.T) {
	if *update {
		capture(t)
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "now.txt"))
	if err != nil {
		t.Fatal(err)
	}
	sec, err := strconv.ParseInt(strings.TrimSpace(string(raw)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(sec, 0)
	metaRaw, err := os.ReadFile(filepath.Join("testdata", "results.txt"))
	if err != nil {
		t.Fatal(err)
	}
	meta := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(metaRaw)), "\n") {
		name, rest, _ := strings.Cut(l, " ")
		meta[name] = rest
	}
	srv := startFake(t, newFixture(now))
	for _, r := range goldenRuns() {
		t.Run(r.file, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join("testdata", r.file))
			if err != nil {
				t.Fatal(err)
			}
			got := runOurs(srv.path, now, r.args, r.stdin)
			if got.stdout != string(want) {
				t.Errorf("stdout differs from the real occtl\n--- got\n%s\n--- want\n%s", got.stdout, want)
			}
			if got.meta() != meta[r.file] {
				t.Errorf("exit/stderr: got %s, want %s", got.meta(), meta[r.file])
			}
		})
	}
}
