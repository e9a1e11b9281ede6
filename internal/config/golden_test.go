package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.conftest expectations")

const goldenSep = "\n----------\n"

type goldenOut struct {
	Stderr []string `json:"stderr,omitempty"`
	Error  string   `json:"error,omitempty"`
	Config *Config  `json:"config,omitempty"`
}

// TestGolden loads each testdata/*.conftest input and compares the
// normalized JSON (parsed config, stderr lines, error) with the part after
// the separator. Run with -update to rewrite the expectations.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/*.conftest")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			in, want, ok := strings.Cut(string(data), goldenSep)
			if !ok && !*update {
				t.Fatalf("%s: missing %q separator", f, strings.TrimSpace(goldenSep))
			}
			var stderr bytes.Buffer
			cfg, err := LoadBytes([]byte(in+"\n"), LoadOptions{Stderr: &stderr})
			out := goldenOut{Config: cfg}
			if s := strings.TrimRight(stderr.String(), "\n"); s != "" {
				out.Stderr = strings.Split(s, "\n")
			}
			var e *Error
			if errors.As(err, &e) {
				out.Error = e.Msg
			} else if err != nil {
				t.Fatalf("error of type %T: %v", err, err)
			}
			got, err := json.MarshalIndent(out, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.WriteFile(f, []byte(in+goldenSep+string(got)+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if strings.TrimSpace(want) != string(got) {
				t.Errorf("%s: output differs (run go test -update and review the diff)\ngot:\n%s", f, got)
			}
		})
	}
}
