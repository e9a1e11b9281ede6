package signer

import (
	"context"
	"crypto"
	"crypto/tls"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// TestOpenSSLPKCS1v15 makes a TLS 1.2 handshake in which the client only
// accepts RSA PKCS#1 v1.5 signatures (crypto/tls clients always prefer
// PSS), so that the remote signer's PKCS#1 v1.5 path is used by a real TLS
// stack. It needs the openssl command and listens on loopback only.
func TestOpenSSLPKCS1v15(t *testing.T) {
	opensslPath, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not installed")
	}
	testKeys(t)
	sm := startSecmod(t, Keys{{"default", 0}: rsaKey})
	leaf := leafCert(t, rsaKey.Public())
	remote, err := New(Config{SocketPath: sm.path, Vhost: "default", Public: leaf.PublicKey})
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caCert.Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{leaf.Raw}, PrivateKey: remote, Leaf: leaf}},
		MinVersion:   tls.VersionTLS12, MaxVersion: tls.VersionTLS12,
	})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srvErr := make(chan error, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			srvErr <- err
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(20 * time.Second))
		srvErr <- c.(*tls.Conn).Handshake()
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, opensslPath, "s_client", "-connect", ln.Addr().String(),
		"-servername", "vpn.example", "-CAfile", caFile, "-verify_return_error",
		"-tls1_2", "-sigalgs", "RSA+SHA256:RSA+SHA384", "-brief")
	cmd.Stdin = strings.NewReader("")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openssl s_client: %v\n%s", err, out)
	}
	if err := <-srvErr; err != nil {
		t.Fatalf("server handshake: %v\nopenssl: %s", err, out)
	}
	if !strings.Contains(string(out), "Verification: OK") {
		t.Errorf("openssl did not verify the server:\n%s", out)
	}
	ops := sm.seen()
	if len(ops) == 0 {
		t.Fatal("sec-mod was not asked")
	}
	for _, op := range ops {
		if op.err != nil || op.cmd != ipc.CmdSecSignHash || op.padding != ipcpb.SignPadding_PADDING_PKCS1V15 ||
			(op.hash != crypto.SHA256 && op.hash != crypto.SHA384) {
			t.Errorf("sec-mod saw %s %v %v (err %v), want PKCS#1 v1.5 with SHA-256/384", op.cmd, op.hash, op.padding, op.err)
		}
	}
}
