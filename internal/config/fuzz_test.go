package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzParse writes arbitrary config text to a file and loads it: Load must
// neither panic nor hang, and every failure must be a *Error with exit 1.
func FuzzParse(f *testing.F) {
	f.Add("auth = plain[passwd=/p]\ntcp-port = 1\nsocket-file = /s\nserver-cert = /c\nserver-key = /k\ndevice = d\nipv4-network = 10.0.0.0/8\n")
	f.Add("[vhost:x]\nauth = certificate\n  route = 1.2.3.4/40\n")
	f.Add("dns = \"\"\nbanner = \"\n\xEF\xBB\xBF[]\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, text string) {
		// Keep DNS out of the fuzz loop: kkdcp host names are resolved.
		if strings.Contains(text, "kkdcp") || strings.Contains(text, "run-as-") || strings.Contains(text, "expose-iroutes") {
			return
		}
		p := filepath.Join(dir, "fuzz.conf")
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() {
			_, err := Load(p, LoadOptions{})
			done <- err
		}()
		select {
		case err := <-done:
			if err != nil {
				var e *Error
				if !errors.As(err, &e) || e.ExitCode != 1 {
					t.Fatalf("unexpected error %T %v", err, err)
				}
			}
		case <-time.After(5 * time.Second):
			t.Fatal("Load hung")
		}
	})
}

// FuzzPorts checks that restrict-user-to-ports parsing never panics and
// that every parsed rule renders to something ParsePorts accepts again.
func FuzzPorts(f *testing.F) {
	for _, s := range []string{"tcp(443), udp(53)", "!(tcp(1), icmp())", "!tcp(1)", "esp(", "sctp(1) ,", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rules, err := ParsePorts(s)
		if err != nil {
			return
		}
		var parts []string
		for _, r := range rules {
			r.Negate = false
			parts = append(parts, r.String())
		}
		again, err := ParsePorts(strings.Join(parts, ", "))
		if err != nil || len(again) != len(rules) {
			t.Fatalf("round trip of %q via %q: %v %v", s, parts, again, err)
		}
	})
}
