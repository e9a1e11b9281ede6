package e2e

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// Certificate authentication (issue 5, criterion 1), each scenario against
// the real ocserv 1.1.6 and ours with the same outcome.

// loadPEM returns the DER of the first PEM block of path.
func loadPEM(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	return blk.Bytes
}

// writeCRL writes a CRL signed by the rig's CA revoking the given client
// certificates (none: an empty list) to path, replacing the file.
func writeCRL(t *testing.T, r *rig.Rig, path string, number int64, revoked ...*rig.ClientCert) {
	t.Helper()
	ca, err := x509.ParseCertificate(loadPEM(t, r.PKI.CACert))
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKCS8PrivateKey(loadPEM(t, r.PKI.CAKey))
	if err != nil {
		t.Fatal(err)
	}
	var es []x509.RevocationListEntry
	for _, c := range revoked {
		cert, err := x509.ParseCertificate(loadPEM(t, c.Cert))
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, x509.RevocationListEntry{SerialNumber: cert.SerialNumber, RevocationTime: time.Now().Add(-time.Minute)})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(number),
		ThisUpdate: time.Now().Add(-time.Hour), NextUpdate: time.Now().Add(24 * time.Hour),
		RevokedCertificateEntries: es}, ca, k.(crypto.Signer))
	if err != nil {
		t.Fatal(err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	// A distinct mtime even within the file system's timestamp granularity.
	later := time.Now().Add(time.Duration(number) * time.Second)
	os.Chtimes(tmp, later, later)
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

func clientCert(t *testing.T, p *rig.PKI, cn string, ous ...string) *rig.ClientCert {
	t.Helper()
	c, err := p.ClientCert(cn, ous...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// mustRefuse runs a client expected to be refused.
func mustRefuse(t *testing.T, r *rig.Rig, what string, opt rig.ClientOptions) {
	t.Helper()
	opt.NoDTLS = true
	if opt.Timeout == 0 {
		opt.Timeout = 15 * time.Second
	}
	res := r.ConnectFail(opt)
	if res.TunnelUp || res.ExitCode == 0 {
		t.Fatalf("%s: login was accepted (exit %d, tunnel up %v)\n%s", what, res.ExitCode, res.TunnelUp, res.Output)
	}
}

// mustLogin connects, checks the tunnel and disconnects.
func mustLogin(t *testing.T, r *rig.Rig, what string, opt rig.ClientOptions) *rig.Client {
	t.Helper()
	opt.NoDTLS = true
	c := r.Connect(opt)
	if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
		t.Fatalf("%s: ping through the tunnel: %v", what, err)
	}
	return c
}

// certConfig is the rig's configuration with client certificates from the
// rig's CA: user from the CN, groups from the OU.
func certConfig(r *rig.Rig, crlPath string) *rig.Config {
	cfg := r.NewConfig().
		Set("cert-user-oid", "2.5.4.3").
		Set("cert-group-oid", "2.5.4.11").
		Set("cisco-client-compat", "false")
	if crlPath != "" {
		cfg.Set("crl", crlPath)
	}
	return cfg
}

// TestAuthCertOnly: auth = "certificate". A valid certificate logs in
// (user from the CN, group from the OU, seen by the connect-script); a
// revoked one, one from another CA and none at all are refused; a new CRL
// file revokes a certificate that worked before (after SIGHUP, which the
// real ocserv needs; ours re-reads the file on every connection).
func TestAuthCertOnly(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			good := clientCert(t, r.PKI, "alice", "staff")
			revoked := clientCert(t, r.PKI, "mallory", "staff")
			later := clientCert(t, r.PKI, "bob", "staff")
			other, err := rig.NewPKI(filepath.Join(r.Dir, "other-pki"), r.PKI.KeyType, "other.test", nil)
			if err != nil {
				t.Fatal(err)
			}
			foreign := clientCert(t, other, "alice", "staff")
			crlPath := filepath.Join(r.Dir, "crl.pem")
			writeCRL(t, r, crlPath, 1, revoked)
			script, envDir := scriptDumper(t, r, "connect", 0)
			cfg := certConfig(r, crlPath).Set("auth", `"certificate"`).Set("connect-script", script)
			srv := startKind(t, r, kind, cfg)

			c := mustLogin(t, r, "valid certificate", rig.ClientOptions{Cert: good})
			env := waitScriptEnv(t, envDir, "connect-alice-", 10*time.Second)
			if env["USERNAME"] != "alice" || env["GROUPNAME"] != "staff" {
				t.Errorf("connect-script USERNAME=%q GROUPNAME=%q, want alice, staff", env["USERNAME"], env["GROUPNAME"])
			}
			if err := c.Disconnect(); err != nil {
				t.Fatal(err)
			}
			mustRefuse(t, r, "revoked certificate", rig.ClientOptions{Cert: revoked})
			mustRefuse(t, r, "certificate of another CA", rig.ClientOptions{Cert: foreign})
			mustRefuse(t, r, "no certificate", rig.ClientOptions{User: "alice", Password: "x"})
			c = mustLogin(t, r, "bob before revocation", rig.ClientOptions{Cert: later})
			c.Disconnect()

			writeCRL(t, r, crlPath, 2, revoked, later)
			if err := srv.Signal(syscall.SIGHUP); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
			mustRefuse(t, r, "bob after the CRL was replaced", rig.ClientOptions{Cert: later})
			c = mustLogin(t, r, "alice after the CRL was replaced", rig.ClientOptions{Cert: good})
			c.Disconnect()
		})
	}
}

// TestAuthCertAndPassword: auth = "plain" AND "certificate": both are
// needed, and the certificate's user must be the one typed.
func TestAuthCertAndPassword(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			r.AddUser("bob", "bob-Pass-1")
			alice := clientCert(t, r.PKI, "alice")
			cfg := certConfig(r, "").Del("cert-group-oid").
				Set("auth", fmt.Sprintf(`"plain[passwd=%s]"`, r.PasswdFile), `"certificate"`)
			startKind(t, r, kind, cfg)

			c := mustLogin(t, r, "certificate and password", rig.ClientOptions{User: "alice", Password: "alice-Pass-1", Cert: alice})
			c.Disconnect()
			mustRefuse(t, r, "password without certificate", rig.ClientOptions{User: "alice", Password: "alice-Pass-1"})
			mustRefuse(t, r, "certificate with a wrong password", rig.ClientOptions{User: "alice", Password: "wrong\nwrong\nwrong", Cert: alice})
			mustRefuse(t, r, "alice's certificate for bob", rig.ClientOptions{User: "bob", Password: "bob-Pass-1", Cert: alice})
		})
	}
}

// TestAuthCertOrPassword: auth = "plain", enable-auth = "certificate":
// either one is enough.
func TestAuthCertOrPassword(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			r.AddUser("alice", "alice-Pass-1")
			carol := clientCert(t, r.PKI, "carol")
			cfg := certConfig(r, "").Del("cert-group-oid").Set("enable-auth", `"certificate"`)
			startKind(t, r, kind, cfg)

			c := mustLogin(t, r, "certificate alone", rig.ClientOptions{Cert: carol})
			c.Disconnect()
			c = mustLogin(t, r, "password alone", rig.ClientOptions{User: "alice", Password: "alice-Pass-1"})
			c.Disconnect()
			mustRefuse(t, r, "wrong password, no certificate", rig.ClientOptions{User: "alice", Password: "wrong\nwrong\nwrong"})
		})
	}
}
