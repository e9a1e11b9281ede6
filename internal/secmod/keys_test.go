package secmod

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"os"
	"strings"
	"testing"

	"github.com/ocserv-go/ocserv/internal/signer"
)

// TestReloadKeepsKeyFiles: a reload re-reads the running server-key files
// (a rotated key is picked up) but does not switch to the files a changed
// configuration names, as main keeps the certificate files: here the new
// configuration swaps the RSA and ECDSA pairs, and key 0 must stay RSA
// (main still hands the workers the RSA certificate as certificate 0).
// Before, sec-mod took the new order and a worker's RSA signature request
// for key 0 reached the ECDSA key.
func TestReloadKeepsKeyFiles(t *testing.T) {
	s := newTestServer(t, "")
	def := s.config().Default().Name
	pub := func(idx uint32) crypto.PublicKey {
		t.Helper()
		k, ok := s.keys[signer.KeyID{Vhost: def, Index: idx}]
		if !ok {
			t.Fatalf("no key %d after reload", idx)
		}
		return k.Public()
	}
	v := s.config().Default()
	rsaKeyPath, ecKeyPath := v.ServerKeys[0], v.ServerKeys[1]
	rsaCertPath, ecCertPath := v.ServerCerts[0], v.ServerCerts[1]

	// Rotate the RSA key in place, and swap the pairs in the file.
	rotated, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	_, newKeyPath, _ := writeKeyPair(t, t.TempDir(), "rotated", rotated)
	data, err := os.ReadFile(newKeyPath)
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, rsaKeyPath, string(data))
	cfgData, err := os.ReadFile(s.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	swapped := strings.NewReplacer(rsaKeyPath, ecKeyPath, ecKeyPath, rsaKeyPath,
		rsaCertPath, ecCertPath, ecCertPath, rsaCertPath).Replace(string(cfgData))
	mustWrite(t, s.cfgPath, swapped)

	s.reload()
	if got, ok := pub(0).(*rsa.PublicKey); !ok || !got.Equal(rotated.Public()) {
		t.Errorf("key 0 after reload is %T, want the rotated RSA key from the same file", pub(0))
	}
	if _, ok := pub(1).(*ecdsa.PublicKey); !ok {
		t.Errorf("key 1 after reload is %T, want the ECDSA key", pub(1))
	}
	if got := s.config().Default().ServerKeys; got[0] != rsaKeyPath || got[1] != ecKeyPath {
		t.Errorf("sec-mod's configuration names %v, want the running files [%s %s]", got, rsaKeyPath, ecKeyPath)
	}
}
