package logx

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzEscape: the result is valid UTF-8 of printable runes only, and
// printable UTF-8 input is kept unchanged.
func FuzzEscape(f *testing.F) {
	f.Add("alice\nworker: forged")
	f.Add("Zoë\xff\u2028\x00")
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Escape(%q) = %q: invalid UTF-8", s, got)
		}
		printable := utf8.ValidString(s)
		for _, r := range s {
			if !unicode.IsPrint(r) {
				printable = false
			}
		}
		for _, r := range got {
			if !unicode.IsPrint(r) {
				t.Fatalf("Escape(%q) = %q keeps %U", s, got, r)
			}
		}
		if printable && got != s {
			t.Fatalf("Escape(%q) = %q changed printable text", s, got)
		}
	})
}
