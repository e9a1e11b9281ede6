package config

import "math"

// strtol mimics C strtol(s, NULL, base) for base 10 or 16: leading
// whitespace, an optional sign, an optional 0x prefix for base 16, then as
// many digits as there are. Garbage gives 0; overflow saturates.
func strtol(s string, base int) int64 {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if base == 16 && i+2 < len(s)+1 && i+1 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') {
		if i+2 < len(s) && hexVal(s[i+2]) >= 0 {
			i += 2
		}
	}
	var v uint64
	over := false
	for ; i < len(s); i++ {
		d := -1
		if base == 16 {
			d = hexVal(s[i])
		} else if s[i] >= '0' && s[i] <= '9' {
			d = int(s[i] - '0')
		}
		if d < 0 {
			break
		}
		if v > (math.MaxUint64-uint64(d))/uint64(base) {
			over = true
			continue
		}
		v = v*uint64(base) + uint64(d)
	}
	if neg {
		if over || v > 1<<63 {
			return math.MinInt64
		}
		return -int64(v)
	}
	if over || v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

// atoi is C atoi: strtol truncated to a C int.
func atoi(s string) int { return int(int32(strtol(s, 10))) }

// toUint mimics storing a long into an unsigned C field.
func toUint(v int64) int64 { return int64(uint32(v)) }

// isTrue is ocserv's boolean rule: only "true" or "yes", any case.
func isTrue(s string) bool {
	return asciiEqualFold(s, "true") || asciiEqualFold(s, "yes")
}

func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && asciiEqualFold(s[:len(prefix)], prefix)
}
