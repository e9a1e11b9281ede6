package secmod

import (
	"crypto"
	"os"
	"testing"
)

type cryptoSHA256 struct{}

func (cryptoSHA256) HashFunc() crypto.Hash { return crypto.SHA256 }

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
