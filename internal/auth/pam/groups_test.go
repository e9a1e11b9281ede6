package pam

import (
	"slices"
	"testing"
)

func TestParseGroups(t *testing.T) {
	data := []byte("root:x:0:\nusers:x:100:\nstaff:x:1000:alice\n#c:x:2000:\n+nis:x:3000:\nbad:x:zz:\nshort:x\ndev:x:1001:\n")
	tests := []struct {
		min  int
		want []string
	}{
		{0, []string{"root", "users", "staff", "dev"}},
		{100, []string{"users", "staff", "dev"}},
		{1000, []string{"staff", "dev"}},
		{1002, nil},
	}
	for _, tc := range tests {
		if got := ParseGroups(data, tc.min); !slices.Equal(got, tc.want) {
			t.Errorf("ParseGroups(min %d) = %v, want %v", tc.min, got, tc.want)
		}
	}
}

func FuzzParseGroups(f *testing.F) {
	f.Add([]byte("staff:x:1000:alice\n"), 0)
	f.Fuzz(func(t *testing.T, data []byte, min int) {
		for _, g := range ParseGroups(data, min) {
			if g == "" {
				t.Fatal("empty group name")
			}
		}
	})
}
