package config

import (
	"bytes"
	"strings"
)

// Limits of the inih build used by ocserv.
const (
	maxLine    = 2048 // INI_MAX_LINE: fgets reads at most maxLine-1 bytes per call
	maxSection = 50   // section names are truncated to maxSection-1 bytes
	maxName    = 50   // the remembered key for continuation lines is truncated likewise
)

// Handler receives one key/value pair. section is "" for the global section.
// line is the 1-based line number. Returning false marks the line as bad;
// parsing stops there (INI_STOP_ON_FIRST_ERROR).
type Handler func(section, name, value string, line int) bool

// isCSpace reports whether b is a C-locale isspace character.
func isCSpace(b byte) bool {
	return b == ' ' || b == '\t' || b == '\n' || b == '\v' || b == '\f' || b == '\r'
}

func rstrip(s string) string {
	i := len(s)
	for i > 0 && isCSpace(s[i-1]) {
		i--
	}
	return s[:i]
}

func lskip(s string) string {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	return s[i:]
}

// findCharsOrComment returns the index of the first byte of s that is in
// chars, or of an inline '#' that follows a whitespace byte, or len(s).
func findCharsOrComment(s, chars string) int {
	wasSpace := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if chars != "" && strings.IndexByte(chars, c) >= 0 {
			return i
		}
		if wasSpace && c == '#' {
			return i
		}
		wasSpace = isCSpace(c)
	}
	return len(s)
}

func truncate(s string, n int) string {
	if len(s) > n-1 {
		return s[:n-1]
	}
	return s
}

// splitLines cuts data the way repeated fgets(buf, 2048) calls do: at each
// '\n' (kept) or after 2047 bytes.
func splitLines(data []byte) [][]byte {
	var out [][]byte
	for len(data) > 0 {
		n := bytes.IndexByte(data, '\n')
		if n < 0 || n+1 > maxLine-1 {
			n = len(data)
			if n > maxLine-1 {
				n = maxLine - 1
			}
		} else {
			n++
		}
		out = append(out, data[:n])
		data = data[n:]
	}
	return out
}

// Parse runs the inih state machine over data, calling h for every
// name/value pair. It returns 0 on success or the number of the first bad
// line.
func Parse(data []byte, h Handler) int {
	section := ""
	prevName := ""
	for i, raw := range splitLines(data) {
		lineno := i + 1
		line := raw
		// C string functions stop at the first NUL byte.
		if k := bytes.IndexByte(line, 0); k >= 0 {
			line = line[:k]
		}
		s := string(line)
		off := 0
		if lineno == 1 && strings.HasPrefix(s, "\xEF\xBB\xBF") {
			off = 3
		}
		full := rstrip(s[off:])
		start := lskip(full)
		indented := len(start) < len(full) || off > 0
		switch {
		case start != "" && (start[0] == ';' || start[0] == '#'):
			// full-line comment
		case prevName != "" && start != "" && indented:
			// continuation line: another value for the previous key
			if !h(section, prevName, start, lineno) {
				return lineno
			}
		case start != "" && start[0] == '[':
			end := findCharsOrComment(start[1:], "]")
			if end < len(start)-1 && start[1+end] == ']' {
				section = truncate(start[1:1+end], maxSection)
				prevName = ""
			} else {
				return lineno
			}
		case start != "":
			end := findCharsOrComment(start, "=:")
			if end == len(start) || (start[end] != '=' && start[end] != ':') {
				return lineno
			}
			name := rstrip(start[:end])
			value := start[end+1:]
			if c := findCharsOrComment(value, ""); c < len(value) {
				value = value[:c]
			}
			value = rstrip(lskip(value))
			prevName = truncate(name, maxName)
			if !h(section, name, value, lineno) {
				return lineno
			}
		}
	}
	return 0
}

// sanitizeValue strips every leading and trailing whitespace or '"' byte,
// as ocserv's sanitize_config_value does. ok is false when the value is
// made only of quotes and whitespace (ocserv then ignores the line).
func sanitizeValue(v string) (string, bool) {
	if v == "" {
		return "", true
	}
	t := strings.TrimFunc(v, func(r rune) bool {
		return r == '"' || (r < 0x80 && isCSpace(byte(r)))
	})
	if t == "" {
		return "", false
	}
	return t, true
}
