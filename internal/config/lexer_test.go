package config

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

type ev struct {
	Section, Name, Value string
	Line                 int
}

func lex(in string) ([]ev, int) {
	var out []ev
	n := Parse([]byte(in), func(s, k, v string, l int) bool {
		out = append(out, ev{s, k, v, l})
		return k != "reject"
	})
	return out, n
}

func TestParseLexer(t *testing.T) {
	long := strings.Repeat("x", 2100)
	tests := []struct {
		name    string
		in      string
		want    []ev
		wantErr int
	}{
		{"equals", "a = b\n", []ev{{"", "a", "b", 1}}, 0},
		{"colon", "dpd: 60\n", []ev{{"", "dpd", "60", 1}}, 0},
		{"first separator wins", "a:b=c\n", []ev{{"", "a", "b=c", 1}}, 0},
		{"inline comment after space", "dns = 1.2.3.4 # x\n", []ev{{"", "dns", "1.2.3.4", 1}}, 0},
		{"hash without space kept", "a = b#c\n", []ev{{"", "a", "b#c", 1}}, 0},
		{"semicolon not inline", "nbns = 10.1.1.1;x\n", []ev{{"", "nbns", "10.1.1.1;x", 1}}, 0},
		{"full-line comments", "# x\n; y\n  # z\na=1\n", []ev{{"", "a", "1", 4}}, 0},
		{"continuation", "dns = 1\n  2\n\n\t3 # kept\n", []ev{{"", "dns", "1", 1}, {"", "dns", "2", 2}, {"", "dns", "3 # kept", 4}}, 0},
		{"continuation after comment", "a = 1\n# c\n  b = 2\n", []ev{{"", "a", "1", 1}, {"", "a", "b = 2", 3}}, 0},
		{"indented first line is a key", "  a = 1\n", []ev{{"", "a", "1", 1}}, 0},
		{"no separator", "a = 1\nbad line\n", []ev{{"", "a", "1", 1}}, 2},
		{"comment hides separator", "a #= 1\n", nil, 1},
		{"section", "[vhost:x]\na = 1\n[]\nb = 2\n", []ev{{"vhost:x", "a", "1", 2}, {"", "b", "2", 4}}, 0},
		{"section resets continuation", "a = 1\n[s]\n  b\n", []ev{{"", "a", "1", 1}}, 3},
		{"unclosed section", "[vhost:x\n", nil, 1},
		{"section truncated", "[" + strings.Repeat("s", 60) + "]\na=1\n", []ev{{strings.Repeat("s", 49), "a", "1", 2}}, 0},
		{"bom", "\xEF\xBB\xBFa = 1\n", []ev{{"", "a", "1", 1}}, 0},
		{"crlf", "a = 1\r\nb = 2\r\n", []ev{{"", "a", "1", 1}, {"", "b", "2", 2}}, 0},
		{"nul truncates", "a = 1\x00junk\n", []ev{{"", "a", "1", 1}}, 0},
		{"handler rejects", "a = 1\nreject = 2\nb = 3\n", []ev{{"", "a", "1", 1}, {"", "reject", "2", 2}}, 2},
		{"long line split", "banner = " + long + "\n", []ev{{"", "banner", long[:2047-len("banner = ")], 1}}, 2},
		{"empty value", "dns =\n", []ev{{"", "dns", "", 1}}, 0},
		{"no trailing newline", "a = 1", []ev{{"", "a", "1", 1}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := lex(tt.in)
			if n != tt.wantErr {
				t.Errorf("error line = %d, want %d", n, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events:\n got %v\nwant %v", fmt.Sprint(got), fmt.Sprint(tt.want))
			}
		})
	}
}

func TestSanitizeValue(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{`"a"`, "a", true},
		{`""a""`, "a", true},
		{`" a "`, "a", true},
		{`'a'`, "'a'", true},
		{`""`, "", false},
		{`" "`, "", false},
		{"", "", true},
		{`a"b`, `a"b`, true},
	}
	for _, tt := range tests {
		got, ok := sanitizeValue(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("sanitizeValue(%q) = %q,%v want %q,%v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestStrtolAndBool(t *testing.T) {
	nums := []struct {
		in   string
		base int
		want int64
	}{
		{"60", 10, 60}, {"abc", 10, 0}, {"12abc", 10, 12}, {" -5", 10, -5}, {"+7", 10, 7},
		{"0x10", 16, 16}, {"0xZ", 16, 0}, {"ff", 16, 255}, {"99999999999999999999999", 10, 1<<63 - 1},
	}
	for _, tt := range nums {
		if got := strtol(tt.in, tt.base); got != tt.want {
			t.Errorf("strtol(%q,%d) = %d, want %d", tt.in, tt.base, got, tt.want)
		}
	}
	bools := map[string]bool{"true": true, "TRUE": true, "Yes": true, "yes": true, "1": false, "on": false, "enabled": false, "maybe": false, "": false}
	for in, want := range bools {
		if got := isTrue(in); got != want {
			t.Errorf("isTrue(%q) = %v, want %v", in, got, want)
		}
	}
}
