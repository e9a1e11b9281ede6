package secmod

import (
	"crypto"
	"net"
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

func listenUnix(path string) (*net.UnixListener, error) {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, err
	}
	ln.SetUnlinkOnClose(false)
	return ln, nil
}
