package signer

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// Keys are generated once per test binary: RSA generation is slow on a
// shared machine.
var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
	edKey    ed25519.PrivateKey
	caKey    *ecdsa.PrivateKey
	caCert   *x509.Certificate
)

// testKeys generates the test keys once; t may be nil (fuzz set-up).
func testKeys(t *testing.T) {
	if t != nil {
		t.Helper()
	}
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		ecKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		_, edKey, _ = ed25519.GenerateKey(rand.Reader)
		caKey, _ = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, caKey.Public(), caKey)
		if err != nil {
			panic(err)
		}
		caCert, _ = x509.ParseCertificate(der)
	})
}

func leafCert(t *testing.T, pub crypto.PublicKey) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "vpn.example"},
		DNSNames:  []string{"vpn.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, pub, caKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// seenOp is what the in-test sec-mod was asked to do.
type seenOp struct {
	cmd     ipc.Cmd
	hash    crypto.Hash
	padding ipcpb.SignPadding
	err     error
}

// secmod is a minimal sec-mod: one request per accepted connection,
// served one after the other, as ocserv does.
type secmod struct {
	path string
	ln   *net.UnixListener
	done chan struct{}
	mu   sync.Mutex
	ops  []seenOp
}

func startSecmod(t *testing.T, keys KeySource) *secmod {
	t.Helper()
	s := &secmod{path: filepath.Join(t.TempDir(), "ocserv.sock.0"), done: make(chan struct{})}
	var err error
	s.ln, err = net.ListenUnix("unix", &net.UnixAddr{Name: s.path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(s.done)
		for i := 0; i < 1000; i++ {
			c, err := s.ln.AcceptUnix()
			if err != nil {
				return
			}
			f, err := ipc.Recv(c, ipc.MaxMsgSize, 5*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			var req ipcpb.SecOp
			proto.Unmarshal(f.Body, &req)
			// Record before answering, so that the op is visible when the
			// handshake it belongs to completes.
			rep, err := Handle(keys, f.Cmd, &req)
			s.mu.Lock()
			s.ops = append(s.ops, seenOp{f.Cmd, crypto.Hash(req.GetHash()), req.GetPadding(), err})
			s.mu.Unlock()
			if err == nil {
				ipc.Send(c, f.Cmd, rep, -1)
			}
			c.Close()
		}
	}()
	t.Cleanup(func() {
		s.ln.Close()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("sec-mod goroutine did not stop")
		}
	})
	return s
}

func (s *secmod) seen() []seenOp {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seenOp(nil), s.ops...)
}

// handshake runs a crypto/tls handshake between a client trusting the
// test CA and a server whose private key is remote.
func handshake(t *testing.T, leaf *x509.Certificate, remote crypto.Signer, server, client *tls.Config) (tls.ConnectionState, error) {
	t.Helper()
	server.Certificates = []tls.Certificate{{Certificate: [][]byte{leaf.Raw}, PrivateKey: remote, Leaf: leaf}}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	client.RootCAs = pool
	client.ServerName = "vpn.example"
	cc, sc := net.Pipe()
	deadline := time.Now().Add(20 * time.Second)
	cc.SetDeadline(deadline)
	sc.SetDeadline(deadline)
	srv := tls.Server(sc, server)
	cli := tls.Client(cc, client)
	errc := make(chan error, 1)
	go func() {
		err := srv.Handshake()
		if err != nil {
			sc.Close()
		}
		errc <- err
	}()
	cerr := cli.Handshake()
	if cerr != nil {
		cc.Close()
	}
	serr := <-errc
	defer cli.Close()
	defer srv.Close()
	if serr != nil {
		return tls.ConnectionState{}, serr
	}
	if cerr != nil {
		return tls.ConnectionState{}, cerr
	}
	// Move a little data to be sure both sides agree on the keys.
	go srv.Write([]byte("ping"))
	buf := make([]byte, 4)
	if _, err := io.ReadFull(cli, buf); err != nil || string(buf) != "ping" {
		return tls.ConnectionState{}, errors.Join(errors.New("data after handshake"), err)
	}
	return cli.ConnectionState(), nil
}

func TestTLSHandshake(t *testing.T) {
	testKeys(t)
	keys := Keys{
		{"default", 0}: rsaKey,
		{"default", 1}: ecKey,
		{"default", 2}: edKey,
	}
	sm := startSecmod(t, WithRSAKeyExchange(keys, func(string) bool { return true }))
	tests := []struct {
		name      string
		idx       int
		key       crypto.Signer
		version   uint16
		suites    []uint16
		wantCmd   ipc.Cmd
		wantPad   ipcpb.SignPadding
		wantHash  crypto.Hash // 0: any
		curvePref []tls.CurveID
	}{
		{"RSA TLS1.3 PSS", 0, rsaKey, tls.VersionTLS13, nil, ipc.CmdSecSignHash, ipcpb.SignPadding_PADDING_PSS, 0, nil},
		{"RSA TLS1.2 ECDHE", 0, rsaKey, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}, ipc.CmdSecSignHash, ipcpb.SignPadding_PADDING_PSS, 0, nil},
		{"RSA TLS1.0 MD5SHA1 PKCS1v15", 0, rsaKey, tls.VersionTLS10, []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA}, ipc.CmdSecSign, ipcpb.SignPadding_PADDING_PKCS1V15, crypto.MD5SHA1, nil},
		{"RSA TLS1.2 RSA key exchange", 0, rsaKey, tls.VersionTLS12, []uint16{tls.TLS_RSA_WITH_AES_128_GCM_SHA256}, ipc.CmdSecDecrypt, ipcpb.SignPadding_PADDING_DEFAULT, 0, nil},
		{"ECDSA P-256 TLS1.3", 1, ecKey, tls.VersionTLS13, nil, ipc.CmdSecSignHash, ipcpb.SignPadding_PADDING_DEFAULT, crypto.SHA256, nil},
		{"ECDSA P-256 TLS1.2", 1, ecKey, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384}, ipc.CmdSecSignHash, ipcpb.SignPadding_PADDING_DEFAULT, crypto.SHA256, nil},
		{"Ed25519 TLS1.3", 2, edKey, tls.VersionTLS13, nil, ipc.CmdSecSignData, ipcpb.SignPadding_PADDING_DEFAULT, 0, nil},
		{"Ed25519 TLS1.2", 2, edKey, tls.VersionTLS12, []uint16{tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305}, ipc.CmdSecSignData, ipcpb.SignPadding_PADDING_DEFAULT, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			leaf := leafCert(t, tt.key.Public())
			remote, err := New(Config{SocketPath: sm.path, Vhost: "default", KeyIndex: tt.idx, Public: leaf.PublicKey})
			if err != nil {
				t.Fatal(err)
			}
			before := len(sm.seen())
			cfg := func() *tls.Config {
				return &tls.Config{MinVersion: tt.version, MaxVersion: tt.version, CipherSuites: tt.suites}
			}
			st, err := handshake(t, leaf, remote, cfg(), cfg())
			if err != nil {
				t.Fatalf("handshake: %v", err)
			}
			if st.Version != tt.version {
				t.Errorf("negotiated version %#x, want %#x", st.Version, tt.version)
			}
			ops := sm.seen()[before:]
			if len(ops) == 0 {
				t.Fatal("sec-mod was not asked")
			}
			for _, op := range ops {
				if op.err != nil {
					t.Errorf("sec-mod error: %v", op.err)
				}
				if op.cmd != tt.wantCmd || op.padding != tt.wantPad || (tt.wantHash != 0 && op.hash != tt.wantHash) {
					t.Errorf("sec-mod saw %s hash %v padding %v; want %s %v %v", op.cmd, op.hash, op.padding, tt.wantCmd, tt.wantHash, tt.wantPad)
				}
			}
		})
	}
}

// TestSignVerify checks each signature form Remote can request against
// the public key, including RSA PKCS#1 v1.5 with every hash (crypto/tls
// peers prefer PSS, so the handshakes above do not cover them all).
func TestSignVerify(t *testing.T) {
	testKeys(t)
	sm := startSecmod(t, WithRSAKeyExchange(Keys{{"v", 0}: rsaKey, {"v", 1}: ecKey, {"v", 2}: edKey},
		func(v string) bool { return v == "v" }))
	rsAny, _ := New(Config{SocketPath: sm.path, Vhost: "v", KeyIndex: 0, Public: rsaKey.Public()})
	rs := rsAny.(*RemoteRSA)
	es, _ := New(Config{SocketPath: sm.path, Vhost: "v", KeyIndex: 1, Public: ecKey.Public()})
	ed, _ := New(Config{SocketPath: sm.path, Vhost: "v", KeyIndex: 2, Public: edKey.Public()})
	msg := []byte("message to sign")
	digest := func(h crypto.Hash) []byte {
		d := h.New()
		d.Write(msg)
		return d.Sum(nil)
	}
	for _, h := range []crypto.Hash{crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		sig, err := rs.Sign(rand.Reader, digest(h), h)
		if err != nil {
			t.Fatalf("RSA PKCS1v15 %v: %v", h, err)
		}
		if err := rsa.VerifyPKCS1v15(&rsaKey.PublicKey, h, digest(h), sig); err != nil {
			t.Errorf("RSA PKCS1v15 %v: %v", h, err)
		}
		sig, err = es.Sign(rand.Reader, digest(h), h)
		if err != nil || !ecdsa.VerifyASN1(&ecKey.PublicKey, digest(h), sig) {
			t.Errorf("ECDSA %v: verify failed (%v)", h, err)
		}
	}
	for _, salt := range []int{rsa.PSSSaltLengthAuto, rsa.PSSSaltLengthEqualsHash, 20} {
		for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
			sig, err := rs.Sign(rand.Reader, digest(h), &rsa.PSSOptions{SaltLength: salt, Hash: h})
			if err != nil {
				t.Fatalf("PSS %v salt %d: %v", h, salt, err)
			}
			verifySalt := salt
			if salt == rsa.PSSSaltLengthAuto {
				verifySalt = rsa.PSSSaltLengthAuto // auto-detect on verify
			}
			if err := rsa.VerifyPSS(&rsaKey.PublicKey, h, digest(h), sig, &rsa.PSSOptions{SaltLength: verifySalt}); err != nil {
				t.Errorf("PSS %v salt %d: %v", h, salt, err)
			}
		}
	}
	sig, err := ed.Sign(rand.Reader, msg, crypto.Hash(0))
	if err != nil || !ed25519.Verify(edKey.Public().(ed25519.PublicKey), msg, sig) {
		t.Errorf("Ed25519: verify failed (%v)", err)
	}
	sig, err = ed.Sign(rand.Reader, msg, &ed25519.Options{})
	if err != nil || !ed25519.Verify(edKey.Public().(ed25519.PublicKey), msg, sig) {
		t.Errorf("Ed25519 with Options: verify failed (%v)", err)
	}
	// Decrypt: only the TLS form (48-byte pre-master, implicit rejection).
	pm := make([]byte, PremasterLen)
	rand.Read(pm)
	ct, _ := rsa.EncryptPKCS1v15(rand.Reader, &rsaKey.PublicKey, pm)
	pt, err := rs.Decrypt(rand.Reader, ct, &rsa.PKCS1v15DecryptOptions{SessionKeyLen: PremasterLen})
	if err != nil || !bytes.Equal(pt, pm) {
		t.Errorf("Decrypt: %x %v", pt, err)
	}
	// A bad ciphertext gives random bytes, not an error.
	bad := make([]byte, rsaKey.PublicKey.Size())
	bad[len(bad)-1] = 1
	pt, err = rs.Decrypt(rand.Reader, bad, &rsa.PKCS1v15DecryptOptions{SessionKeyLen: PremasterLen})
	if err != nil || len(pt) != PremasterLen {
		t.Errorf("Decrypt of bad ciphertext: %d bytes, %v", len(pt), err)
	}
}

func TestRemoteRefusesLocally(t *testing.T) {
	testKeys(t)
	// No sec-mod listens here: these must fail before dialling.
	path := filepath.Join(t.TempDir(), "absent")
	rsAny, _ := New(Config{SocketPath: path, Vhost: "", KeyIndex: 0, Public: rsaKey.Public()})
	rs := rsAny.(*RemoteRSA)
	es, _ := New(Config{SocketPath: path, Vhost: "", KeyIndex: 0, Public: ecKey.Public()})
	ed, _ := New(Config{SocketPath: path, Vhost: "", KeyIndex: 0, Public: edKey.Public()})
	d32 := make([]byte, 32)
	tests := []struct {
		name string
		fn   func() error
	}{
		{"RSA no hash", func() error { _, err := rs.Sign(nil, d32, crypto.Hash(0)); return err }},
		{"RSA wrong digest size", func() error { _, err := rs.Sign(nil, d32[:20], crypto.SHA256); return err }},
		{"RSA MD5", func() error { _, err := rs.Sign(nil, d32[:16], crypto.MD5); return err }},
		{"RSA unknown hash", func() error { _, err := rs.Sign(nil, d32, crypto.Hash(99)); return err }},
		{"PSS MD5SHA1", func() error {
			_, err := rs.Sign(nil, make([]byte, 36), &rsa.PSSOptions{Hash: crypto.MD5SHA1})
			return err
		}},
		{"ECDSA MD5SHA1", func() error { _, err := es.Sign(nil, make([]byte, 36), crypto.MD5SHA1); return err }},
		{"Ed25519ph", func() error { _, err := ed.Sign(nil, make([]byte, 64), crypto.SHA512); return err }},
		{"Ed25519 context", func() error { _, err := ed.Sign(nil, d32, &ed25519.Options{Context: "x"}); return err }},
		{"decrypt OAEP", func() error {
			_, err := rs.Decrypt(nil, make([]byte, 256), &rsa.OAEPOptions{Hash: crypto.SHA256})
			return err
		}},
		{"decrypt short", func() error {
			_, err := rs.Decrypt(nil, d32, &rsa.PKCS1v15DecryptOptions{SessionKeyLen: PremasterLen})
			return err
		}},
		{"decrypt nil options (strict)", func() error { _, err := rs.Decrypt(nil, make([]byte, 256), nil); return err }},
		{"decrypt session key 0 (strict)", func() error {
			_, err := rs.Decrypt(nil, make([]byte, 256), &rsa.PKCS1v15DecryptOptions{})
			return err
		}},
		{"decrypt session key 47", func() error {
			_, err := rs.Decrypt(nil, make([]byte, 256), &rsa.PKCS1v15DecryptOptions{SessionKeyLen: 47})
			return err
		}},
		{"no sec-mod", func() error { _, err := rs.Sign(nil, d32, crypto.SHA256); return err }},
	}
	for _, tt := range tests {
		if err := tt.fn(); err == nil {
			t.Errorf("%s: accepted", tt.name)
		}
	}
	if _, ok := es.(crypto.Decrypter); ok {
		t.Error("an ECDSA remote key is a crypto.Decrypter (crypto/tls would refuse it)")
	}
	if _, ok := ed.(crypto.Decrypter); ok {
		t.Error("an Ed25519 remote key is a crypto.Decrypter")
	}
	if _, err := New(Config{SocketPath: path, Public: "not a key"}); err == nil {
		t.Error("New accepted a string key")
	}
	if _, err := New(Config{SocketPath: path, Vhost: "", KeyIndex: -1, Public: rsaKey.Public()}); err == nil {
		t.Error("New accepted index -1")
	}
	if _, err := New(Config{SocketPath: "", Vhost: "", KeyIndex: 0, Public: rsaKey.Public()}); err == nil {
		t.Error("New accepted an empty path")
	}
}

func TestBadKeyIndex(t *testing.T) {
	testKeys(t)
	sm := startSecmod(t, Keys{{"default", 0}: ecKey})
	for _, tc := range []struct {
		vhost string
		idx   int
	}{{"default", 1}, {"default", 1 << 20}, {"other", 0}} {
		r, err := New(Config{SocketPath: sm.path, Vhost: tc.vhost, KeyIndex: tc.idx, Public: ecKey.Public()})
		if err != nil {
			t.Fatal(err)
		}
		d := sha256.Sum256([]byte("x"))
		if _, err := r.Sign(rand.Reader, d[:], crypto.SHA256); err == nil {
			t.Errorf("vhost %q key %d: signed", tc.vhost, tc.idx)
		}
	}
	ops := sm.seen()
	if len(ops) != 3 {
		t.Fatalf("sec-mod saw %d requests, want 3", len(ops))
	}
	for _, op := range ops {
		if !errors.Is(op.err, ErrRejected) {
			t.Errorf("sec-mod error %v, want ErrRejected", op.err)
		}
	}
}

func TestSecmodSilentTimesOut(t *testing.T) {
	testKeys(t)
	path := filepath.Join(t.TempDir(), "ocserv.sock.0")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		var held []*net.UnixConn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for i := 0; i < 4; i++ {
			c, err := ln.AcceptUnix()
			if err != nil {
				return
			}
			held = append(held, c) // accept, read nothing, answer nothing
		}
	}()
	defer func() {
		ln.Close()
		<-done
	}()
	if DefaultTimeout != 10*time.Second {
		t.Errorf("DefaultTimeout = %v, want 10s", DefaultTimeout)
	}
	r, _ := New(Config{SocketPath: path, Public: ecKey.Public(), Timeout: 300 * time.Millisecond})
	d := sha256.Sum256([]byte("x"))
	start := time.Now()
	_, err = r.Sign(rand.Reader, d[:], crypto.SHA256)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("Sign gave up after %v", el)
	}
}

func TestHandleRejects(t *testing.T) {
	testKeys(t)
	plain := Keys{{"", 0}: rsaKey, {"", 1}: ecKey, {"", 2}: edKey}
	keys := WithRSAKeyExchange(plain, func(v string) bool { return v == "" })
	d := func(n int) []byte { return make([]byte, n) }
	pm := make([]byte, PremasterLen)
	rand.Read(pm)
	ct, _ := rsa.EncryptPKCS1v15(rand.Reader, &rsaKey.PublicKey, pm)
	dec := func(keyLen *uint32, data []byte) *ipcpb.SecOp {
		return &ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: data, SessionKeyLen: keyLen}
	}
	op := func(idx uint32, hash crypto.Hash, pad ipcpb.SignPadding, data []byte) *ipcpb.SecOp {
		return &ipcpb.SecOp{KeyIdx: proto.Uint32(idx), Hash: proto.Uint32(uint32(hash)), Padding: pad.Enum(), Data: data}
	}
	pkcs, pss, def := ipcpb.SignPadding_PADDING_PKCS1V15, ipcpb.SignPadding_PADDING_PSS, ipcpb.SignPadding_PADDING_DEFAULT
	withSalt := func(o *ipcpb.SecOp, s int32) *ipcpb.SecOp { o.SaltLength = proto.Int32(s); return o }
	tests := []struct {
		name string
		cmd  ipc.Cmd
		req  *ipcpb.SecOp
		ok   bool
	}{
		{"rsa pkcs1 sha256", ipc.CmdSecSignHash, op(0, crypto.SHA256, pkcs, d(32)), true},
		{"rsa pss sha384", ipc.CmdSecSignHash, op(0, crypto.SHA384, pss, d(48)), true},
		{"ecdsa sha256", ipc.CmdSecSignHash, op(1, crypto.SHA256, def, d(32)), true},
		{"ed25519 data", ipc.CmdSecSignData, op(2, 0, def, []byte("hello")), true},
		{"rsa md5sha1", ipc.CmdSecSign, op(0, crypto.MD5SHA1, pkcs, d(36)), true},
		{"rsa legacy hash 0", ipc.CmdSecSign, op(0, 0, def, d(36)), true},
		{"ecdsa sign data sha256", ipc.CmdSecSignData, op(1, crypto.SHA256, def, []byte("msg")), true},
		{"not a key op", ipc.CmdSecAuthInit, op(0, crypto.SHA256, pkcs, d(32)), false},
		{"unknown index", ipc.CmdSecSignHash, op(9, crypto.SHA256, pkcs, d(32)), false},
		{"unknown vhost", ipc.CmdSecSignHash, &ipcpb.SecOp{Vhost: proto.String("x"), Hash: proto.Uint32(uint32(crypto.SHA256)), Padding: pkcs.Enum(), Data: d(32)}, false},
		{"short digest", ipc.CmdSecSignHash, op(0, crypto.SHA256, pkcs, d(31)), false},
		{"long digest", ipc.CmdSecSignHash, op(1, crypto.SHA256, def, d(33)), false},
		{"md5", ipc.CmdSecSignHash, op(0, crypto.MD5, pkcs, d(16)), false},
		{"hash out of range", ipc.CmdSecSignHash, op(0, crypto.Hash(1000), pkcs, d(32)), false},
		{"hash 0 on sign hash", ipc.CmdSecSignHash, op(0, 0, pkcs, d(32)), false},
		{"rsa without padding", ipc.CmdSecSignHash, op(0, crypto.SHA256, def, d(32)), false},
		{"md5sha1 via sign hash", ipc.CmdSecSignHash, op(0, crypto.MD5SHA1, pkcs, d(36)), false},
		{"sign with ecdsa key", ipc.CmdSecSign, op(1, crypto.MD5SHA1, pkcs, d(36)), false},
		{"sign pss", ipc.CmdSecSign, op(0, crypto.MD5SHA1, pss, d(36)), false},
		{"ecdsa pss", ipc.CmdSecSignHash, op(1, crypto.SHA256, pss, d(32)), false},
		{"ecdsa md5sha1", ipc.CmdSecSign, op(1, 0, def, d(36)), false},
		{"ed25519 sign hash", ipc.CmdSecSignHash, op(2, crypto.SHA256, def, d(32)), false},
		{"ed25519 prehash", ipc.CmdSecSignData, op(2, crypto.SHA512, def, d(64)), false},
		{"pss salt too small", ipc.CmdSecSignHash, withSalt(op(0, crypto.SHA256, pss, d(32)), -2), false},
		{"pss salt too large", ipc.CmdSecSignHash, withSalt(op(0, crypto.SHA256, pss, d(32)), 4000), false},
		{"pss salt past key", ipc.CmdSecSignHash, withSalt(op(0, crypto.SHA512, pss, d(64)), 200), false},
		{"decrypt with ecdsa", ipc.CmdSecDecrypt, op(1, 0, def, d(32)), false},
		{"decrypt short", ipc.CmdSecDecrypt, op(0, 0, def, d(255)), false},
		{"decrypt session key too long", ipc.CmdSecDecrypt, &ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: d(256), SessionKeyLen: proto.Uint32(65)}, false},
		{"decrypt tls form", ipc.CmdSecDecrypt, dec(proto.Uint32(PremasterLen), ct), true},
		{"decrypt without session key (strict)", ipc.CmdSecDecrypt, dec(nil, ct), false},
		{"decrypt session key 0 (strict)", ipc.CmdSecDecrypt, dec(proto.Uint32(0), ct), false},
		{"decrypt session key 47", ipc.CmdSecDecrypt, dec(proto.Uint32(47), ct), false},
		{"decrypt session key 49", ipc.CmdSecDecrypt, dec(proto.Uint32(49), ct), false},
		{"decrypt other vhost", ipc.CmdSecDecrypt, &ipcpb.SecOp{Vhost: proto.String("x"), Data: ct, SessionKeyLen: proto.Uint32(PremasterLen)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, err := Handle(keys, tt.cmd, tt.req)
			if tt.cmd == ipc.CmdSecDecrypt {
				// Without an RSA key exchange enabled, nothing decrypts.
				if _, err := Handle(plain, tt.cmd, tt.req); !errors.Is(err, ErrRejected) {
					t.Errorf("decrypt without RSA key exchange: err = %v, want ErrRejected", err)
				}
			}
			if tt.ok {
				if err != nil || len(rep.GetData()) == 0 {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrRejected) {
				t.Fatalf("err = %v, want ErrRejected", err)
			}
		})
	}
}

func TestServeConn(t *testing.T) {
	testKeys(t)
	a, b, err := ipc.SocketpairConns()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	msg := []byte("sign me")
	errc := make(chan error, 1)
	go func() { errc <- ServeConn(b, Keys{{"vh", 3}: edKey}, 5*time.Second) }()
	var rep ipcpb.SecOp
	err = ipc.Call(a, ipc.CmdSecSignData, &ipcpb.SecOp{KeyIdx: proto.Uint32(3), Vhost: proto.String("vh"), Data: msg},
		ipc.CmdSecSignData, &rep, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	if !ed25519.Verify(edKey.Public().(ed25519.PublicKey), msg, rep.GetData()) {
		t.Error("signature does not verify")
	}
}

func TestServeConnGarbage(t *testing.T) {
	testKeys(t)
	keys := Keys{{"", 0}: ecKey}
	tests := []struct {
		name  string
		frame []byte
	}{
		{"not a key op", ipc.AppendFrame(nil, ipc.CmdSecAuthInit, nil)},
		{"bad body", ipc.AppendFrame(nil, ipc.CmdSecSignHash, []byte{0xff, 0xff})},
		{"truncated", ipc.AppendFrame(nil, ipc.CmdSecSignHash, []byte{8, 1, 2, 3})[:7]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b, err := ipc.SocketpairConns()
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			defer b.Close()
			if _, err := a.Write(tt.frame); err != nil {
				t.Fatal(err)
			}
			a.CloseWrite()
			if err := ServeConn(b, keys, 2*time.Second); err == nil {
				t.Fatal("served")
			}
		})
	}
}

// TestDecryptNoPaddingOracle plays a compromised worker probing the server
// key (Bleichenbacher): whatever the ciphertext's padding, sec-mod answers
// the same way, a CMD_SEC_DECRYPT frame of PremasterLen bytes, so "reply"
// versus "closed" says nothing about the padding. A strict decryption
// (session_key_len 0) is refused for good and bad ciphertexts alike.
func TestDecryptNoPaddingOracle(t *testing.T) {
	testKeys(t)
	keys := WithRSAKeyExchange(Keys{{"", 0}: rsaKey}, func(string) bool { return true })
	k := rsaKey.PublicKey.Size()
	pm := make([]byte, PremasterLen)
	rand.Read(pm)
	good, _ := rsa.EncryptPKCS1v15(rand.Reader, &rsaKey.PublicKey, pm)
	short, _ := rsa.EncryptPKCS1v15(rand.Reader, &rsaKey.PublicKey, []byte("ten bytes!"))
	badPad := make([]byte, k)
	badPad[k-1] = 1
	tooBig := bytes.Repeat([]byte{0xff}, k) // >= the modulus
	call := func(keyLen *uint32, ct []byte) (*ipcpb.SecOp, int, error) {
		a, b, err := ipc.SocketpairConns()
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		defer b.Close()
		go func() {
			ServeConn(b, keys, 5*time.Second)
			b.Close() // as sec-mod does after each request
		}()
		if err := ipc.Send(a, ipc.CmdSecDecrypt, &ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: ct, SessionKeyLen: keyLen}, -1); err != nil {
			t.Fatal(err)
		}
		f, err := ipc.Recv(a, ipc.MaxMsgSize, 5*time.Second)
		if err != nil {
			return nil, 0, err
		}
		var rep ipcpb.SecOp
		if f.Cmd != ipc.CmdSecDecrypt {
			t.Fatalf("reply command %s", f.Cmd)
		}
		if err := proto.Unmarshal(f.Body, &rep); err != nil {
			t.Fatal(err)
		}
		return &rep, len(f.Body), nil
	}
	tests := []struct {
		name string
		ct   []byte
	}{{"good", good}, {"short plaintext", short}, {"bad padding", badPad}, {"zeros", make([]byte, k)}, {"not below modulus", tooBig}}
	size := -1
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, n, err := call(proto.Uint32(PremasterLen), tt.ct)
			if err != nil {
				t.Fatalf("no reply (an oracle): %v", err)
			}
			if len(rep.GetData()) != PremasterLen {
				t.Fatalf("reply has %d bytes, want %d", len(rep.GetData()), PremasterLen)
			}
			if size >= 0 && n != size {
				t.Errorf("reply frame is %d bytes, another was %d", n, size)
			}
			size = n
			if tt.name == "good" && !bytes.Equal(rep.GetData(), pm) {
				t.Error("good ciphertext did not decrypt to its pre-master secret")
			}
			if tt.name != "good" {
				again, _, err := call(proto.Uint32(PremasterLen), tt.ct)
				if err != nil || bytes.Equal(again.GetData(), rep.GetData()) {
					t.Errorf("a bad ciphertext gave the same answer twice (not random): %v", err)
				}
			}
			for _, kl := range []*uint32{nil, proto.Uint32(0), proto.Uint32(47)} {
				if _, _, err := call(kl, tt.ct); err == nil {
					t.Errorf("session_key_len %d (set: %v) answered", (&ipcpb.SecOp{SessionKeyLen: kl}).GetSessionKeyLen(), kl != nil)
				}
			}
		})
	}
}
