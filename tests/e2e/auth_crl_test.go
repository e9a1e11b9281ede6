package e2e

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// Certificate revocation lists (issue 9, finding 1: a CRL from a CA whose
// keyUsage lacks cRLSign was skipped, so the certificates it revokes logged
// in). Each case runs against the real ocserv 1.1.6 and ours.

// crlCase is one server's life: a first CRL, a second one after SIGHUP,
// then a broken CRL file after another SIGHUP.
type crlCase struct {
	name      string
	noCRLSign bool          // the client CA's keyUsage is keyCertSign only
	first     rig.CRLFormat // format of the CRL at start-up
	second    rig.CRLFormat // format of the CRL installed before SIGHUP
	relative  bool          // crl = a path relative to the server's cwd
	breakCRL  func(t *testing.T, path string)
	broken    string // what breakCRL does, for messages
}

// crlCorrupt overwrites the CRL with bytes that are neither PEM nor DER.
func crlCorrupt(t *testing.T, path string) {
	t.Helper()
	if err := os.WriteFile(path, []byte("this is not a CRL\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

// crlRemove deletes the CRL file.
func crlRemove(t *testing.T, path string) {
	t.Helper()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
}

var crlCases = []crlCase{
	{name: "crlsign-pem-absolute", first: rig.CRLPEM, second: rig.CRLDER,
		breakCRL: crlCorrupt, broken: "corrupt"},
	// DER stays DER: once ocserv 1.1.6 has fallen back to DER for a CRL
	// it never tries PEM again, and a PEM file then fails its reload.
	{name: "nocrlsign-der-relative", noCRLSign: true, first: rig.CRLDER, second: rig.CRLDER, relative: true,
		breakCRL: crlRemove, broken: "removed"},
	{name: "nocrlsign-pem-absolute", noCRLSign: true, first: rig.CRLPEM, second: rig.CRLDER,
		breakCRL: crlCorrupt, broken: "corrupt"},
}

// crlClientPKI returns the CA that issues client certificates: the rig's
// own (with cRLSign) or a second one whose keyUsage is keyCertSign only.
func crlClientPKI(t *testing.T, r *rig.Rig, noCRLSign bool) *rig.PKI {
	t.Helper()
	if !noCRLSign {
		return r.PKI
	}
	p, err := rig.NewPKIWithCAKeyUsage(filepath.Join(r.Dir, "client-pki"), r.PKI.KeyType, "clients.test", nil, x509.KeyUsageCertSign)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func crlWrite(t *testing.T, p *rig.PKI, path string, spec rig.CRLSpec) {
	t.Helper()
	if err := p.WriteCRL(path, spec); err != nil {
		t.Fatal(err)
	}
}

// crlReload sends SIGHUP and gives the server a moment to reload.
func crlReload(t *testing.T, srv *rig.Server) {
	t.Helper()
	if err := srv.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
}

// TestAuthCRL: auth = "certificate" with a crl. A revoked certificate is
// refused and a good one logs in, for a CA with and without cRLSign, a CRL
// in PEM and in DER, at an absolute and a relative path; after SIGHUP a new
// CRL (PEM replaced by DER, or DER again) also revokes the formerly good certificate.
// Then the CRL file is broken (corrupt or removed) and SIGHUP sent: no
// certificate logs in any more. The real ocserv exits on that reload
// ("error reading the CRL"); ours keeps running, refuses certificate logins
// and logs why.
func TestAuthCRL(t *testing.T) {
	for _, kind := range coreServers() {
		bin := serverBinary(t, kind) // built once for every case
		for _, tc := range crlCases {
			t.Run(string(kind)+"/"+tc.name, func(t *testing.T) { crlRun(t, kind, bin, tc) })
		}
	}
}

// crlStart starts the server program bin as startKind does.
func crlStart(r *rig.Rig, bin string, cfg *rig.Config) *rig.Server {
	r.T.Helper()
	return r.StartServer(cfg, rig.ServerOptions{Binary: bin, Debug: 3})
}

func crlRun(t *testing.T, kind serverKind, bin string, tc crlCase) {
	r := rig.New(t, rig.Options{})
	p := crlClientPKI(t, r, tc.noCRLSign)
	good := clientCert(t, p, "alice")
	revoked := clientCert(t, p, "mallory")
	later := clientCert(t, p, "bob")
	file := "crl.pem"
	if tc.first == rig.CRLDER {
		file = "crl.der"
	}
	crlPath := filepath.Join(r.Dir, file)
	confPath := crlPath
	if tc.relative {
		confPath = file // the rig runs the server (-f) in r.Dir
	}
	crlWrite(t, p, crlPath, rig.CRLSpec{Number: 1, Format: tc.first, Revoked: []*rig.ClientCert{revoked}})
	cfg := certConfig(r, confPath).Del("cert-group-oid").Set("auth", `"certificate"`).Set("ca-cert", p.CACert)
	srv := crlStart(r, bin, cfg)

	c := mustLogin(t, r, "good certificate", rig.ClientOptions{Cert: good})
	c.Disconnect()
	mustRefuse(t, r, "revoked certificate", rig.ClientOptions{Cert: revoked})

	crlWrite(t, p, crlPath, rig.CRLSpec{Number: 2, Format: tc.second, Revoked: []*rig.ClientCert{revoked, good}})
	crlReload(t, srv)
	mustRefuse(t, r, "formerly good certificate after the new CRL", rig.ClientOptions{Cert: good})
	c = mustLogin(t, r, "certificate not in the new CRL", rig.ClientOptions{Cert: later})
	c.Disconnect()

	tc.breakCRL(t, crlPath)
	crlReload(t, srv)
	if kind == realServer {
		// ocserv 1.1.6's main re-reads the CRL on SIGHUP and exits when
		// it cannot: fail closed, but for every user.
		if !srv.WaitExit(10*time.Second) || !strings.Contains(srv.Log(), "error reading the CRL") {
			t.Fatalf("real ocserv with a %s CRL after SIGHUP: running=%v\n%s", tc.broken, srv.Running(), crlTail(srv.Log()))
		}
		return
	}
	mustRefuse(t, r, "certificate with a "+tc.broken+" CRL", rig.ClientOptions{Cert: later})
	if !srv.Running() {
		t.Fatalf("ours exited with a %s CRL after SIGHUP\n%s", tc.broken, crlTail(srv.Log()))
	}
	if !srv.WaitLog("cannot use the CRL", 5*time.Second) {
		t.Fatalf("ours did not log why certificates are refused with a %s CRL\n%s", tc.broken, crlTail(srv.Log()))
	}
}

// crlTail is the end of a server log for failure messages.
func crlTail(log string) string {
	lines := strings.Split(log, "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	return strings.Join(lines, "\n")
}

// TestAuthCRLStaleForged: one server with a CA without cRLSign, its CRL
// replaced before each SIGHUP.
//   - A stale list (nextUpdate in the past) still revokes, and the
//     certificates it does not name log in: GnuTLS does not look at the
//     list's dates, and neither do we.
//   - A list that names the CA but is signed by another key: GnuTLS does
//     not check a CRL's signature (ocserv adds it to the trust list without
//     GNUTLS_TL_VERIFY_CRL), so the real ocserv applies it like a genuine
//     one; ours cannot verify it and refuses every certificate of that CA
//     (fail closed), logging why.
func TestAuthCRLStaleForged(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			p := crlClientPKI(t, r, true)
			good := clientCert(t, p, "alice")
			revoked := clientCert(t, p, "mallory")
			crlPath := filepath.Join(r.Dir, "crl.pem")
			crlWrite(t, p, crlPath, rig.CRLSpec{Number: 1, Revoked: []*rig.ClientCert{revoked},
				ThisUpdate: time.Now().Add(-72 * time.Hour), NextUpdate: time.Now().Add(-48 * time.Hour)})
			cfg := certConfig(r, crlPath).Del("cert-group-oid").Set("auth", `"certificate"`).Set("ca-cert", p.CACert)
			srv := crlStart(r, serverBinary(t, kind), cfg)
			c := mustLogin(t, r, "good certificate, stale CRL", rig.ClientOptions{Cert: good})
			c.Disconnect()
			mustRefuse(t, r, "revoked certificate, stale CRL", rig.ClientOptions{Cert: revoked})

			forger := crlClientPKI(t, r, false)
			crlWrite(t, p, crlPath, rig.CRLSpec{Number: 2, Revoked: []*rig.ClientCert{revoked}, SignedBy: forger})
			crlReload(t, srv)
			mustRefuse(t, r, "revoked certificate, forged CRL", rig.ClientOptions{Cert: revoked})
			if kind == realServer {
				c = mustLogin(t, r, "good certificate, forged CRL (real ocserv)", rig.ClientOptions{Cert: good})
				c.Disconnect()
				return
			}
			mustRefuse(t, r, "good certificate, forged CRL (ours)", rig.ClientOptions{Cert: good})
			if !srv.WaitLog("cannot use the CRL", 5*time.Second) {
				t.Fatalf("ours did not log why certificates are refused with a forged CRL\n%s", crlTail(srv.Log()))
			}
		})
	}
}

// TestAuthCRLStartup: a crl file that is readable but holds no revocation
// list (garbage, empty, a PEM certificate) stops the server at start-up
// with exit code 1, in the real ocserv (silently) and in ours (naming the
// file), rather than running with no revocation at all.
func TestAuthCRLStartup(t *testing.T) {
	bad := []struct {
		name string
		data []byte
	}{
		{"garbage", []byte("this is not a CRL\n")},
		{"empty", nil},
		{"certificate", nil}, // filled in below: the CA certificate in PEM
	}
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{})
			bin := serverBinary(t, kind)
			ca, err := os.ReadFile(r.PKI.CACert)
			if err != nil {
				t.Fatal(err)
			}
			for _, b := range bad {
				if b.name == "certificate" {
					b.data = ca
				}
				path := filepath.Join(r.Dir, "crl-"+b.name)
				if err := os.WriteFile(path, b.data, 0o644); err != nil {
					t.Fatal(err)
				}
				cfg := certConfig(r, path).Del("cert-group-oid").Set("auth", `"certificate"`)
				srv := r.StartServer(cfg, rig.ServerOptions{Binary: bin, Debug: 3, NoWait: true})
				if !srv.WaitExit(15 * time.Second) {
					t.Fatalf("%s crl: the server is still running\n%s", b.name, crlTail(srv.Log()))
				}
				if srv.ExitCode() != 1 {
					t.Fatalf("%s crl: exit code %d, want 1\n%s", b.name, srv.ExitCode(), crlTail(srv.Log()))
				}
				if kind == ourServer && !strings.Contains(srv.Log(), "cannot load crl: "+path) {
					t.Fatalf("%s crl: ours did not say why it stopped\n%s", b.name, crlTail(srv.Log()))
				}
			}
		})
	}
}
