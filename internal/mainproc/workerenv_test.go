package mainproc

import (
	"os"
	"strings"
	"testing"
)

// TestWorkerEnv: the worker's environment carries no start-up message
// (not even one main inherited) and GOMAXPROCS=1 unless set.
func TestWorkerEnv(t *testing.T) {
	tests := []struct {
		name       string
		gomaxprocs string // "" = unset
		want       string
	}{
		{"default", "", "GOMAXPROCS=1"},
		{"admin's value kept", "4", "GOMAXPROCS=4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(workerStartupEnv, "c3RhbGU=")
			t.Setenv("GOMAXPROCS", tt.gomaxprocs)
			if tt.gomaxprocs == "" {
				os.Unsetenv("GOMAXPROCS") // t.Setenv restores it
			}
			n := 0
			for _, e := range workerEnv() {
				if strings.HasPrefix(e, workerStartupEnv+"=") {
					t.Errorf("worker environment holds %s", e)
				}
				if strings.HasPrefix(e, "GOMAXPROCS=") {
					n++
					if e != tt.want {
						t.Errorf("got %s, want %s", e, tt.want)
					}
				}
			}
			if n == 0 {
				t.Errorf("no GOMAXPROCS in the worker environment")
			}
		})
	}
}
