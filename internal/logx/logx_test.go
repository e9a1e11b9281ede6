package logx

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeSyslog struct {
	mu    sync.Mutex
	lines []string
}

func (f *fakeSyslog) add(pri, m string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.lines = append(f.lines, pri+" "+m)
	return nil
}
func (f *fakeSyslog) Err(m string) error    { return f.add("err", m) }
func (f *fakeSyslog) Notice(m string) error { return f.add("notice", m) }
func (f *fakeSyslog) Info(m string) error   { return f.add("info", m) }
func (f *fakeSyslog) Debug(m string) error  { return f.add("debug", m) }

// logAll logs one message of every priority.
func logAll(l *Logger) {
	l.Errorf("e")
	l.Noticef("n")
	l.Infof("i")
	l.Debugf("d")
	l.HTTPf("h")
	l.Transferf("t")
	l.Sensitivef("s")
	l.TLSf("tls")
}

func TestLevels(t *testing.T) {
	all := []string{"err main: e", "notice main: n", "info main: i", "debug main: d", "debug main: h", "debug main: t", "debug main: s", "debug main: tls"}
	tests := []struct {
		level int
		want  int // how many of all are logged
	}{
		{0, 2}, {1, 2}, {2, 3}, {3, 4}, {4, 5}, {5, 6}, {7, 6}, {8, 7}, {9, 8}, {9999, 8},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.level), func(t *testing.T) {
			f := &fakeSyslog{}
			logAll(NewWithOptions("main", Options{Level: tt.level, Syslog: f}))
			if got, want := strings.Join(f.lines, "|"), strings.Join(all[:tt.want], "|"); got != want {
				t.Errorf("level %d logged\n %s\nwant\n %s", tt.level, got, want)
			}
		})
	}
}

func TestStderrFormat(t *testing.T) {
	var buf bytes.Buffer
	f := &fakeSyslog{}
	l := NewWithOptions("sec-mod", Options{Level: 3, Syslog: f, Stderr: &buf, PID: 4242})
	l.Infof("sec-mod initialized (socket: %s)", "/run/x.0")
	l.With("main[alice]:192.0.2.1:51234").Infof("user logged in\n")
	l.With("worker[alice]: 192.0.2.1").Debugf("sending message")
	want := "ocserv[4242]: sec-mod: sec-mod initialized (socket: /run/x.0)\n" +
		"ocserv[4242]: main[alice]:192.0.2.1:51234 user logged in\n" +
		"ocserv[4242]: worker[alice]: 192.0.2.1 sending message\n"
	if buf.String() != want {
		t.Errorf("stderr =\n%q\nwant\n%q", buf.String(), want)
	}
	if len(f.lines) != 3 || f.lines[1] != "info main[alice]:192.0.2.1:51234 user logged in" {
		t.Errorf("syslog lines = %q", f.lines)
	}
}

func TestSetLevelSharedByWith(t *testing.T) {
	f := &fakeSyslog{}
	l := NewWithOptions("main", Options{Level: 1, Syslog: f})
	c := l.With("main[bob]:198.51.100.7:1000")
	c.Debugf("hidden")
	l.SetLevel(3)
	c.Debugf("shown")
	if len(f.lines) != 1 || f.lines[0] != "debug main[bob]:198.51.100.7:1000 shown" {
		t.Errorf("lines = %q", f.lines)
	}
	if !c.Enabled(PriDebug) || c.Enabled(PriHTTP) || c.Enabled(Priority(99)) {
		t.Error("Enabled disagrees with the level")
	}
}

func TestNoSyslogOnlyStderr(t *testing.T) {
	var buf bytes.Buffer
	l := NewWithOptions("", Options{Level: 0, NoSyslog: true, Stderr: &buf, PID: 1})
	l.Errorf("boom")
	l.Infof("quiet")
	if buf.String() != "ocserv[1]: boom\n" {
		t.Errorf("stderr = %q", buf.String())
	}
	if err := l.Close(); err != nil {
		t.Error(err)
	}
}

func TestNewWithoutDaemonDoesNotFail(t *testing.T) {
	// Whether or not /dev/log exists here, New must work and logging must
	// not block or panic.
	now := time.Unix(0, 0)
	l := NewWithOptions("main", Options{Level: 9, Now: func() time.Time { return now }})
	defer l.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		l.Errorf("test message from ocserv-go logx tests")
		now = now.Add(RetryEvery)
		l.Debugf("second")
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("logging blocked")
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain user", "plain user"},
		{"alice\nworker: forged", `alice\x0aworker: forged`},
		{"a\r\nb", `a\x0d\x0ab`},
		{"tab\there", `tab\x09here`},
		{"esc\x1b[31m", `esc\x1b[31m`},
		{"del\x7f", `del\x7f`},
		{"nul\x00", `nul\x00`},
		{"bad\xffutf8\xc3", `bad\xffutf8\xc3`},
		{"Zoë 東京 ✓", "Zoë 東京 ✓"},
		{"nel\u0085x", `nel\u0085x`},
		{"ls\u2028ps\u2029", `ls\u2028ps\u2029`},
		{"bidi\u202eevil", `bidi\u202eevil`},
		{"tag\U000E0041", `tag\U000e0041`},
		{`back\slash`, `back\slash`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Escape(tt.in); got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestNoForgedLines: whatever a prefix or a message carries, one Logf call
// writes exactly one line to stderr and one message to syslog, with no
// control character in it.
func TestNoForgedLines(t *testing.T) {
	hostile := []string{"a\nworker: x", "a\rb", "a\x00b", "a\x85b", "a\u2028b", "a\xe2\x80b", "a\x1b]0;t\x07"}
	for _, h := range hostile {
		var buf bytes.Buffer
		f := &fakeSyslog{}
		l := NewWithOptions("worker", Options{Level: 9, Stderr: &buf, Syslog: f, PID: 7}).With("worker[" + h + "]: 192.0.2.1")
		l.Infof("user '%s' obtained cookie", h)
		out := buf.String()
		if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
			t.Errorf("%q: stderr is not one line: %q", h, out)
		}
		if len(f.lines) != 1 {
			t.Fatalf("%q: %d syslog messages", h, len(f.lines))
		}
		for _, s := range []string{strings.TrimSuffix(out, "\n"), f.lines[0]} {
			for _, r := range s {
				if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == 0x2028 || r == 0xfffd {
					t.Errorf("%q: logged %q still has %U", h, s, r)
				}
			}
		}
	}
}
