package e2e

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestCoreProcessShape (criterion 3): with two clients connected the
// server namespace holds one main (comm ocserv-main, uid 0), one sec-mod
// (ocserv-sm, uid 0, child of main) and exactly one ocserv-worker per
// client, children of main, running as run-as-user/run-as-group; that
// uid/gid cannot read the server key, and no worker's memory holds the
// private key (PKCS#8 DER, PEM text, or the private exponent and primes in
// big- or little-endian byte order). As a check of the scanner, sec-mod's
// memory must hold it.
func TestCoreProcessShape(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			r := rig.New(t, rig.Options{Clients: 2})
			r.AddUser("alice", "alice-Pass-1")
			r.AddUser("bob", "bob-Pass-1")
			srv := startKind(t, r, kind, r.NewConfig())
			wuid, wgid := lookupIDs(t, "nobody", "nogroup")

			// Before any client: main and sec-mod only.
			waitWorkers(t, r, 0)
			cs := []*rig.Client{
				r.Connect(rig.ClientOptions{Link: 0, User: "alice", Password: "alice-Pass-1", NoDTLS: true}),
				r.Connect(rig.ClientOptions{Link: 1, User: "bob", Password: "bob-Pass-1", NoDTLS: true}),
			}
			ws := waitWorkers(t, r, 2)

			ps := nsProcs(t, r.ServerNS)
			mains := procsByComm(ps, "ocserv-main")
			sms := procsByComm(ps, "ocserv-sm")
			if len(mains) != 1 || mains[0].PID != srv.PID() || mains[0].UID != 0 {
				t.Errorf("main processes = %+v, want one, pid %d, uid 0", mains, srv.PID())
			}
			if len(sms) != 1 || sms[0].UID != 0 || sms[0].PPID != srv.PID() {
				t.Errorf("sec-mod processes = %+v, want one, uid 0, child of main %d", sms, srv.PID())
			}
			for _, w := range ws {
				if w.UID != wuid || w.GID != wgid {
					t.Errorf("worker %d runs as uid %d gid %d, want nobody/nogroup %d/%d", w.PID, w.UID, w.GID, wuid, wgid)
				}
				if w.PPID != srv.PID() {
					t.Errorf("worker %d has parent %d, want main %d", w.PID, w.PPID, srv.PID())
				}
				groups := procField(w.PID, "Groups:")
				if groups != "" && groups != fmt.Sprint(wgid) {
					t.Errorf("worker %d supplementary groups %q, want none or %d", w.PID, groups, wgid)
				}
			}
			if extra := len(ps) - len(mains) - len(sms) - len(ws); extra != 0 {
				t.Errorf("server namespace has %d other processes: %+v", extra, ps)
			}

			// The worker's credentials cannot read the key.
			out, err := runCmd(10*time.Second, "setpriv", fmt.Sprintf("--reuid=%d", wuid), fmt.Sprintf("--regid=%d", wgid),
				"--clear-groups", "cat", r.PKI.ServerKey)
			if err == nil {
				t.Errorf("uid %d gid %d can read the server key %s:\n%.80s", wuid, wgid, r.PKI.ServerKey, out)
			}

			needles := keyNeedles(t, r.PKI.ServerKey)
			for _, w := range ws {
				hit, n, err := readMemFind(w.PID, needles)
				if err != nil {
					t.Errorf("scan worker %d memory: %v", w.PID, err)
				}
				if n < 1<<20 {
					t.Errorf("scanned only %d bytes of worker %d", n, w.PID)
				}
				if hit != "" {
					t.Errorf("worker %d memory holds the private key: %s", w.PID, hit)
				}
			}
			if len(sms) == 1 {
				if hit, _, err := readMemFind(sms[0].PID, needles); err != nil || hit == "" {
					t.Errorf("scanner check: the key was not found in sec-mod's memory (err %v); the scan proves nothing", err)
				} else {
					t.Logf("scanner check: sec-mod holds the key (%s)", hit)
				}
			}
			// Both workers still serve their clients.
			for i, c := range cs {
				if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
					t.Errorf("client %d ping: %v", i, err)
				}
			}
		})
	}
}

func procField(pid int, key string) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// keyNeedles returns byte strings that only a process holding the private
// key has: windows of the PKCS#8 DER and of the PEM text, and, for RSA,
// windows of D, P and Q in big- and little-endian order (GMP limbs and
// Go's big.Word arrays are little-endian on amd64).
func keyNeedles(t *testing.T, path string) map[string][]byte {
	t.Helper()
	pemBytes, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(pemBytes)
	if blk == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	key, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	nd := map[string][]byte{}
	der := blk.Bytes
	// The second half of the DER is private material (after n and e).
	nd["PKCS#8 DER"] = slices.Clone(der[len(der)*2/3 : len(der)*2/3+32])
	lines := strings.Split(strings.TrimSpace(string(pemBytes)), "\n")
	nd["PEM text"] = []byte(lines[len(lines)*2/3])
	if k, ok := key.(*rsa.PrivateKey); ok {
		for name, v := range map[string][]byte{"D": k.D.Bytes(), "P": k.Primes[0].Bytes(), "Q": k.Primes[1].Bytes()} {
			mid := len(v)/2 - 12
			be := slices.Clone(v[mid : mid+24])
			le := slices.Clone(v)
			slices.Reverse(le)
			nd["RSA "+name+" big-endian"] = be
			nd["RSA "+name+" little-endian"] = slices.Clone(le[mid : mid+24])
		}
	}
	return nd
}
