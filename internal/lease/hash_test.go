package lease

import "testing"

func TestHashLittle(t *testing.T) {
	tests := []struct {
		key  string
		init uint32
		want uint32
	}{
		// Vectors from lookup3.c's driver5().
		{"", 0, 0xdeadbeef},
		{"", 0xdeadbeef, 0xbd5b7dde},
		{"Four score and seven years ago", 0, 0x17770551},
		{"Four score and seven years ago", 1, 0xcd628161},
		// Observed on ocserv 1.1.6 (architecture.md §9).
		{"alice", 0, 0x323f1047},
	}
	for _, tc := range tests {
		if got := HashLittle([]byte(tc.key), tc.init); got != tc.want {
			t.Errorf("HashLittle(%q, %#x) = %#x, want %#x", tc.key, tc.init, got, tc.want)
		}
	}
}

func TestPredictableSeed(t *testing.T) {
	if got, want := PredictableSeed("alice"), (Seed{0x47, 0x10, 0x3f, 0x32}); got != want {
		t.Errorf("PredictableSeed(alice) = % x, want % x", got, want)
	}
	if PredictableSeed("bob") == PredictableSeed("alice") {
		t.Error("bob and alice share a seed")
	}
}
