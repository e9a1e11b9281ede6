package worker

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lockedBuf is a goroutine-safe output buffer.
type lockedBuf struct {
	ch  chan struct{}
	buf bytes.Buffer
}

func (b *lockedBuf) Write(p []byte) (int, error) {
	b.ch <- struct{}{}
	defer func() { <-b.ch }()
	return b.buf.Write(p)
}

func (b *lockedBuf) String() string {
	b.ch <- struct{}{}
	defer func() { <-b.ch }()
	return b.buf.String()
}

// TestOpenconnectTunnel drives the real openconnect client on loopback
// through login and CONNECT against in-process workers (one per TCP
// connection, as main would start them), in --script-tun mode so no tun
// device is created. It checks the tunnel comes up with our address and
// MTU, and that openconnect's exit (SIGINT → BYE) ends the worker with the
// user-disconnect reason.
func TestOpenconnectTunnel(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs openconnect")
	}
	oc, err := exec.LookPath("openconnect")
	if err != nil {
		t.Fatalf("needs openconnect (scripts/deps.sh installs it): %v", err)
	}
	h := newHarness(t, nil, func(h *harness) { h.external = true })
	ln, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for i := 0; i < 4; i++ {
			c, err := ln.AcceptTCP()
			if err != nil {
				return
			}
			h.startWorker(c)
		}
	}()
	leaf, _ := x509.ParseCertificate(h.der)
	pin := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, oc, "--user=alice", "--passwd-on-stdin", "--no-dtls", "-v",
		"--servercert=pin-sha256:"+base64.StdEncoding.EncodeToString(pin[:]),
		"--script-tun", "--script=sleep 30", "https://"+ln.Addr().String()+"/")
	cmd.Stdin = strings.NewReader("secret\n")
	out := &lockedBuf{ch: make(chan struct{}, 1)}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	up := false
	for i := 0; i < 200 && !up; i++ {
		time.Sleep(50 * time.Millisecond)
		up = strings.Contains(out.String(), "CSTP connected")
	}
	if !up {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("tunnel did not come up:\n%s", out.String())
	}
	if s := out.String(); !strings.Contains(s, "Configured as 172.17.1.50") {
		t.Errorf("client log lacks our address:\n%s", s)
	}
	_ = cmd.Process.Signal(syscall.SIGINT)
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case <-waited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-waited
	}
	// The auth connection's worker ends quietly; the tunnel's with reason 2.
	deadline := time.After(10 * time.Second)
	for {
		select {
		case r := <-h.done:
			if r.res.Reason == 0 {
				continue
			}
			if r.res.Reason != ReasonUserDisconnect {
				t.Fatalf("tunnel worker reason %d (%v)\n%s", r.res.Reason, r.err, out.String())
			}
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // the script
			return
		case <-deadline:
			t.Fatalf("tunnel worker did not end\n%s", out.String())
		}
	}
}
