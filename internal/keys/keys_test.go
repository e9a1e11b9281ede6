package keys

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// testKeys holds one key of each type, generated once per test binary.
type testKey struct {
	name string
	key  crypto.Signer
}

func genKeys(t *testing.T) []testKey {
	t.Helper()
	r, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	e, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	_, ed, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return []testKey{{"RSA", r}, {"ECDSA", e}, {"Ed25519", ed}}
}

func selfSigned(t *testing.T, key crypto.Signer, cn string, parent *x509.Certificate, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  parent == nil,
		BasicConstraintsValid: true,
	}
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writePEM(t *testing.T, dir, name string, blocks ...*pem.Block) string {
	t.Helper()
	var data []byte
	for _, b := range blocks {
		data = append(data, pem.EncodeToMemory(b)...)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func certBlock(c *x509.Certificate) *pem.Block { return &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw} }

func pkcs8Block(t *testing.T, k crypto.Signer) *pem.Block {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return &pem.Block{Type: "PRIVATE KEY", Bytes: der}
}

func TestLoadKeysAndMatch(t *testing.T) {
	dir := t.TempDir()
	ks := genKeys(t)
	type form struct {
		name  string
		block func(crypto.Signer) *pem.Block // nil result: form not applicable
	}
	forms := []form{
		{"pkcs8", func(k crypto.Signer) *pem.Block { return pkcs8Block(t, k) }},
		{"pkcs1", func(k crypto.Signer) *pem.Block {
			if r, ok := k.(*rsa.PrivateKey); ok {
				return &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(r)}
			}
			return nil
		}},
		{"sec1", func(k crypto.Signer) *pem.Block {
			if e, ok := k.(*ecdsa.PrivateKey); ok {
				der, err := x509.MarshalECPrivateKey(e)
				if err != nil {
					t.Fatal(err)
				}
				return &pem.Block{Type: "EC PRIVATE KEY", Bytes: der}
			}
			return nil
		}},
	}
	for i, k := range ks {
		cert := selfSigned(t, k.key, k.name, nil, nil)
		other := ks[(i+1)%len(ks)]
		for _, f := range forms {
			b := f.block(k.key)
			if b == nil {
				continue
			}
			t.Run(k.name+"/"+f.name, func(t *testing.T) {
				kp := writePEM(t, dir, k.name+f.name+".key", b)
				key, err := LoadPrivateKey(kp, PIN{})
				if err != nil {
					t.Fatalf("LoadPrivateKey: %v", err)
				}
				if got := Algorithm(key); got != k.name {
					t.Errorf("Algorithm = %q, want %q", got, k.name)
				}
				if err := Match(cert, key); err != nil {
					t.Errorf("Match(own cert) = %v", err)
				}
				otherCert := selfSigned(t, other.key, other.name, nil, nil)
				if err := Match(otherCert, key); !errors.Is(err, ErrKeyMismatch) {
					t.Errorf("Match(%s cert) = %v, want ErrKeyMismatch", other.name, err)
				}
				// Same type, different key.
				twin := genKeys(t)[i]
				twinCert := selfSigned(t, twin.key, "twin", nil, nil)
				if err := Match(twinCert, key); !errors.Is(err, ErrKeyMismatch) {
					t.Errorf("Match(twin cert) = %v, want ErrKeyMismatch", err)
				}
			})
		}
	}
}

func TestLoadCertificates(t *testing.T) {
	dir := t.TempDir()
	ks := genKeys(t)
	ca := selfSigned(t, ks[0].key, "CA", nil, nil)
	leaf := selfSigned(t, ks[1].key, "leaf", ca, ks[0].key)
	tests := []struct {
		name    string
		content []*pem.Block
		raw     string // used when content is nil
		want    []string
		wantErr error
	}{
		{name: "single", content: []*pem.Block{certBlock(leaf)}, want: []string{"leaf"}},
		{name: "chain", content: []*pem.Block{certBlock(leaf), certBlock(ca)}, want: []string{"leaf", "CA"}},
		{name: "key and cert", content: []*pem.Block{pkcs8Block(t, ks[1].key), certBlock(leaf)}, want: []string{"leaf"}},
		{name: "empty", raw: "", wantErr: ErrNoCertificate},
		{name: "not PEM", raw: "hello\n", wantErr: ErrNoCertificate},
		{name: "key only", content: []*pem.Block{pkcs8Block(t, ks[1].key)}, wantErr: ErrNoCertificate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var p string
			if tt.content != nil {
				p = writePEM(t, dir, "c.pem", tt.content...)
			} else {
				p = filepath.Join(dir, "c.pem")
				if err := os.WriteFile(p, []byte(tt.raw), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			certs, err := LoadCertificates(p)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(certs) != len(tt.want) {
				t.Fatalf("got %d certs, want %d", len(certs), len(tt.want))
			}
			for i, c := range certs {
				if c.Subject.CommonName != tt.want[i] {
					t.Errorf("cert %d = %q, want %q", i, c.Subject.CommonName, tt.want[i])
				}
			}
		})
	}
	t.Run("bad DER", func(t *testing.T) {
		p := writePEM(t, dir, "bad.pem", &pem.Block{Type: "CERTIFICATE", Bytes: []byte{0, 0, 0}})
		if _, err := LoadCertificates(p); err == nil {
			t.Fatal("no error for a broken certificate")
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := LoadCertificates(filepath.Join(dir, "nope.pem"))
		if !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("err = %v, want ErrNotExist", err)
		}
	})
}

func TestURLsRefused(t *testing.T) {
	for _, u := range []string{"pkcs11:object=key;type=private", "tpmkey:uuid=7f468c16-cb7f-11e1-824d-b3a4f4b20343;storage=user"} {
		if _, err := LoadPrivateKey(u, PIN{}); !errors.Is(err, ErrUnsupportedURL) {
			t.Errorf("LoadPrivateKey(%q) = %v, want ErrUnsupportedURL", u, err)
		}
		if _, err := LoadCertificates(u); !errors.Is(err, ErrUnsupportedURL) {
			t.Errorf("LoadCertificates(%q) = %v, want ErrUnsupportedURL", u, err)
		}
	}
	if IsURL("/etc/ocserv/server.pem") {
		t.Error("a file name was taken for a URL")
	}
}

func TestPINFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "pin")
	if err := os.WriteFile(p, []byte("s3cret\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pin  PIN
		want string
		nil_ bool
	}{
		{name: "none", nil_: true},
		{name: "key-pin", pin: PIN{Value: "abc"}, want: "abc"},
		{name: "pin-file first line", pin: PIN{File: p}, want: "s3cret"},
		{name: "key-pin wins", pin: PIN{Value: "abc", File: p}, want: "abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.pin.Password()
			if err != nil {
				t.Fatal(err)
			}
			if tt.nil_ != (got == nil) || string(got) != tt.want {
				t.Errorf("Password() = %q, want %q", got, tt.want)
			}
		})
	}
	if _, err := (PIN{File: filepath.Join(dir, "missing")}).Password(); err == nil {
		t.Error("missing pin-file gave no error")
	}
}

// tool runs an external program with a deadline; it skips the test when the
// program is not installed (and fails under CI).
func tool(t *testing.T, name string, args ...string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is needed and not installed: %v", name, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

func TestEncryptedKeys(t *testing.T) {
	dir := t.TempDir()
	ks := genKeys(t)
	const pw = "secret"
	plain := map[string]string{}
	certs := map[string]*x509.Certificate{}
	for _, k := range ks[:2] { // RSA and ECDSA: both tools handle them
		plain[k.name] = writePEM(t, dir, k.name+".key", pkcs8Block(t, k.key))
		certs[k.name] = selfSigned(t, k.key, k.name, nil, nil)
	}
	plain["Ed25519"] = writePEM(t, dir, "ed.key", pkcs8Block(t, ks[2].key))
	certs["Ed25519"] = selfSigned(t, ks[2].key, "ed", nil, nil)

	tests := []struct {
		name string
		key  string
		gen  func(in, out string) (string, []string)
	}{
		{"openssl PBES2 AES-256 SHA-256", "RSA", func(in, out string) (string, []string) {
			return "openssl", []string{"pkcs8", "-topk8", "-in", in, "-out", out, "-v2", "aes-256-cbc", "-passout", "pass:" + pw}
		}},
		{"openssl PBES2 AES-128 SHA-1", "ECDSA", func(in, out string) (string, []string) {
			return "openssl", []string{"pkcs8", "-topk8", "-in", in, "-out", out, "-v2", "aes-128-cbc", "-v2prf", "hmacWithSHA1", "-passout", "pass:" + pw}
		}},
		{"openssl PBES2 AES-192 SHA-512", "Ed25519", func(in, out string) (string, []string) {
			return "openssl", []string{"pkcs8", "-topk8", "-in", in, "-out", out, "-v2", "aes-192-cbc", "-v2prf", "hmacWithSHA512", "-passout", "pass:" + pw}
		}},
		{"openssl PBES2 3DES", "RSA", func(in, out string) (string, []string) {
			return "openssl", []string{"pkcs8", "-topk8", "-in", in, "-out", out, "-v2", "des3", "-passout", "pass:" + pw}
		}},
		{"openssl PKCS12 SHA1 3DES", "ECDSA", func(in, out string) (string, []string) {
			return "openssl", []string{"pkcs8", "-topk8", "-in", in, "-out", out, "-v1", "PBE-SHA1-3DES", "-passout", "pass:" + pw}
		}},
		{"openssl legacy PEM RSA DES-EDE3-CBC", "RSA", func(in, out string) (string, []string) {
			return "openssl", []string{"rsa", "-in", in, "-out", out, "-des3", "-traditional", "-passout", "pass:" + pw}
		}},
		{"openssl legacy PEM EC AES-128-CBC", "ECDSA", func(in, out string) (string, []string) {
			return "openssl", []string{"ec", "-in", in, "-out", out, "-aes-128-cbc", "-passout", "pass:" + pw}
		}},
		{"certtool 3des-pkcs12", "RSA", func(in, out string) (string, []string) {
			return "certtool", []string{"--to-p8", "--load-privkey", in, "--outfile", out, "--pkcs-cipher", "3des-pkcs12", "--password", pw}
		}},
		{"certtool aes-256", "ECDSA", func(in, out string) (string, []string) {
			return "certtool", []string{"--to-p8", "--load-privkey", in, "--outfile", out, "--pkcs-cipher", "aes-256", "--password", pw}
		}},
		{"certtool 3des", "Ed25519", func(in, out string) (string, []string) {
			return "certtool", []string{"--to-p8", "--load-privkey", in, "--outfile", out, "--pkcs-cipher", "3des", "--password", pw}
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, "enc"+string(rune('a'+i))+".pem")
			name, args := tt.gen(plain[tt.key], out)
			tool(t, name, args...)

			key, err := LoadPrivateKey(out, PIN{Value: pw})
			if err != nil {
				t.Fatalf("right PIN: %v", err)
			}
			if err := Match(certs[tt.key], key); err != nil {
				t.Errorf("Match: %v", err)
			}
			if _, err := LoadPrivateKey(out, PIN{}); !errors.Is(err, ErrPasswordRequired) {
				t.Errorf("no PIN: err = %v, want ErrPasswordRequired", err)
			}
			if _, err := LoadPrivateKey(out, PIN{Value: "wrong"}); !errors.Is(err, ErrIncorrectPassword) {
				t.Errorf("wrong PIN: err = %v, want ErrIncorrectPassword", err)
			}
		})
	}
}

// TestRSAPSS: RSA-PSS keys (id-RSASSA-PSS), from OpenSSL and from certtool,
// plain and encrypted, are refused with ErrRSAPSS (and not taken for a
// wrong PIN), and so is an RSA-PSS certificate in Match: Go's TLS cannot
// serve them (ErrRSAPSS), so main refuses them at start-up instead of
// every handshake failing.
func TestRSAPSS(t *testing.T) {
	dir := t.TempDir()
	const pw = "pss-Pin-1"
	path := func(n string) string { return filepath.Join(dir, n) }
	tool(t, "openssl", "genpkey", "-algorithm", "RSA-PSS", "-pkeyopt", "rsa_keygen_bits:2048", "-out", path("ossl.key"))
	tool(t, "openssl", "req", "-x509", "-key", path("ossl.key"), "-out", path("ossl.pem"), "-subj", "/CN=pss", "-days", "2")
	tool(t, "certtool", "--generate-privkey", "--key-type", "rsa-pss", "--bits", "2048", "--outfile", path("gnutls.key"))
	tool(t, "certtool", "--to-p8", "--load-privkey", path("gnutls.key"), "--outfile", path("gnutls-enc.key"),
		"--pkcs-cipher", "aes-256", "--password", pw)
	tool(t, "openssl", "pkcs8", "-topk8", "-in", path("ossl.key"), "-out", path("ossl-enc.key"),
		"-v2", "aes-128-cbc", "-passout", "pass:"+pw)
	for _, tt := range []struct {
		name, file string
		pin        PIN
	}{
		{"openssl", "ossl.key", PIN{}},
		{"certtool", "gnutls.key", PIN{}},
		{"certtool encrypted", "gnutls-enc.key", PIN{Value: pw}},
		{"openssl encrypted", "ossl-enc.key", PIN{Value: pw}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			k, err := LoadPrivateKey(path(tt.file), tt.pin)
			if !errors.Is(err, ErrRSAPSS) {
				t.Errorf("LoadPrivateKey = %T, %v; want ErrRSAPSS", k, err)
			}
		})
	}
	certs, err := LoadCertificates(path("ossl.pem"))
	if err != nil {
		t.Fatalf("LoadCertificates: %v", err)
	}
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	if err := Match(certs[0], rk); !errors.Is(err, ErrRSAPSS) {
		t.Errorf("Match(RSA-PSS certificate) = %v, want ErrRSAPSS", err)
	}
}

func TestPKCS12KDFVector(t *testing.T) {
	// Known answer from OpenSSL (openssl kdf -kdfopt ... PKCS12KDF is not
	// exposed on the CLI, so this vector is the widely published one for
	// password "smeg", salt 0A58CF64530D823F, 1 iteration, ID 1, 24 bytes).
	salt := []byte{0x0A, 0x58, 0xCF, 0x64, 0x53, 0x0D, 0x82, 0x3F}
	got := pkcs12KDF(bmpString("smeg"), salt, 1, 1, 24)
	want := []byte{0x8A, 0xAA, 0xE6, 0x29, 0x7B, 0x6C, 0xB0, 0x46, 0x42, 0xAB, 0x5B, 0x07, 0x78, 0x51, 0x28, 0x4E, 0xB7, 0x12, 0x8F, 0x1A, 0x2A, 0x7F, 0xBC, 0xA3}
	if string(got) != string(want) {
		t.Errorf("pkcs12KDF = %X, want %X", got, want)
	}
}
