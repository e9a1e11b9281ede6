package auth

import "testing"

func TestTruncate(t *testing.T) {
	long := make([]byte, 100)
	for i := range long {
		long[i] = 'a'
	}
	for _, tc := range []struct {
		in   string
		size int
		want int
	}{
		{"alice", MaxUsernameSize, 5},
		{string(long), MaxUsernameSize, 63},
		{string(long[:63]), MaxUsernameSize, 63},
		{string(long[:64]), MaxUsernameSize, 63},
		{"x", 0, 1},
	} {
		if got := Truncate(tc.in, tc.size); len(got) != tc.want {
			t.Errorf("Truncate(%d bytes, %d) = %d bytes, want %d", len(tc.in), tc.size, len(got), tc.want)
		}
	}
}

func TestResultString(t *testing.T) {
	for r, want := range map[Result]string{OK: "ok", Continue: "continue", Failed: "failed", Result(9): "unknown"} {
		if r.String() != want {
			t.Errorf("%d: %q", r, r.String())
		}
	}
}
