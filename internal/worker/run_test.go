package worker

import (
	"crypto/tls"
	"io"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/ipc"
)

// frontConn opens a TCP connection to a fresh worker of h (started on the
// accepted end) and returns the client end.
func frontConn(t *testing.T, h *harness) *net.TCPConn {
	t.Helper()
	tl, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	cc, err := net.DialTCP("tcp", nil, tl.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cc.Close() })
	sc, err := tl.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	h.startWorker(sc)
	return cc
}

// waitWorker waits (at most limit) for the worker to end and for the
// client to see its connection closed.
func waitWorker(t *testing.T, h *harness, cc net.Conn, limit time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	select {
	case r := <-h.done:
		if r.err != nil {
			t.Errorf("worker ended with an error: %v", r.err)
		}
	case <-time.After(limit):
		t.Fatalf("worker still running after %v", limit)
	}
	_ = cc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.Copy(io.Discard, cc); err != nil {
		t.Errorf("client connection not closed by the worker: %v", err)
	}
	return time.Since(start)
}

// TestAuthTimeoutEveryStage: a client stalling at any stage before the
// tunnel (silent TCP, half a ClientHello, after the handshake, half an
// HTTP request) is dropped at auth-timeout. On 6bdcfc8 the silent socket
// was held for auth-timeout + 30 s (the health-probe wait ran first).
func TestAuthTimeoutEveryStage(t *testing.T) {
	stages := []struct {
		name  string
		stall func(t *testing.T, cc *net.TCPConn)
	}{
		{"silent TCP", func(t *testing.T, cc *net.TCPConn) {}},
		{"half ClientHello", func(t *testing.T, cc *net.TCPConn) {
			// A TLS handshake record header announcing 512 bytes, and 4 of them.
			if _, err := cc.Write([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc}); err != nil {
				t.Fatal(err)
			}
		}},
		{"half HTTP request", func(t *testing.T, cc *net.TCPConn) {
			tc := tls.Client(cc, &tls.Config{InsecureSkipVerify: true, ServerName: "vpn.test"})
			_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
			if err := tc.Handshake(); err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(tc, "POST /auth HTTP/1.1\r\nHost: vpn.test\r\nUser-Agent: x"); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, st := range stages {
		t.Run(st.name, func(t *testing.T) {
			h := newHarness(t, [][2]string{{"auth-timeout", "2"}}, func(h *harness) { h.external = true })
			cc := frontConn(t, h)
			st.stall(t, cc)
			// 2 s auth-timeout; 6bdcfc8 needed 32 s for the silent socket.
			if d := waitWorker(t, h, cc, 15*time.Second); d < time.Second {
				t.Errorf("dropped after %v, before auth-timeout", d)
			}
		})
	}
}

// TestSIGTERMEveryStage: main's SIGTERM (ctx cancellation) ends a worker
// whose client is silent, before the TLS handshake (6bdcfc8 ignored it
// for 30 s while waiting for the health probe) and after it.
func TestSIGTERMEveryStage(t *testing.T) {
	for _, handshake := range []bool{false, true} {
		name := "before TLS"
		if handshake {
			name = "after TLS"
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, nil, func(h *harness) { h.external = true }) // auth-timeout 240
			cc := frontConn(t, h)
			if handshake {
				tc := tls.Client(cc, &tls.Config{InsecureSkipVerify: true, ServerName: "vpn.test"})
				_ = tc.SetDeadline(time.Now().Add(10 * time.Second))
				if err := tc.Handshake(); err != nil {
					t.Fatal(err)
				}
			}
			time.Sleep(200 * time.Millisecond)
			h.cancel()
			waitWorker(t, h, cc, 10*time.Second)
		})
	}
}

// TestSIGTERMWhileSecmodThinks: a worker waiting for sec-mod's answer to
// an auth step ends at once on SIGTERM, and at auth-timeout, instead of
// waiting up to auth-timeout for sec-mod.
func TestSIGTERMWhileSecmodThinks(t *testing.T) {
	for _, viaTimeout := range []bool{false, true} {
		name := "SIGTERM"
		extra := [][2]string{}
		if viaTimeout {
			name, extra = "auth-timeout", [][2]string{{"auth-timeout", "3"}}
		}
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, extra, func(h *harness) { h.external = true })
			// A sec-mod that serves key operations (the TLS handshake needs
			// them) through the harness's one and never answers auth steps.
			upstream := h.st.GetSecmodPath()
			sock := filepath.Join(t.TempDir(), "mute.sock")
			ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { ln.Close() })
			go func() {
				for {
					c, err := ln.AcceptUnix()
					if err != nil {
						return
					}
					t.Cleanup(func() { c.Close() })
					go muteSecmod(c, upstream)
				}
			}()
			h.st.SecmodPath = ptr(sock)
			cc := frontConn(t, h)
			tc := tls.Client(cc, &tls.Config{InsecureSkipVerify: true, ServerName: "vpn.test"})
			_ = tc.SetDeadline(time.Now().Add(20 * time.Second))
			if err := tc.Handshake(); err != nil {
				t.Fatal(err)
			}
			if _, err := io.WriteString(tc, post("/auth", userXML, "")); err != nil {
				t.Fatal(err)
			}
			if !viaTimeout {
				time.Sleep(300 * time.Millisecond)
				h.cancel()
			}
			// auth-timeout is 240 s for SIGTERM, 3 s otherwise; 6bdcfc8
			// waited for sec-mod until the full auth-timeout in both cases.
			waitWorker(t, h, cc, 10*time.Second)
		})
	}
}

// muteSecmod relays key operations to the sec-mod at upstream and leaves
// any other request unanswered.
func muteSecmod(c *net.UnixConn, upstream string) {
	fr, err := ipc.Recv(c, ipc.MaxMsgSize, 5*time.Second)
	if err != nil {
		return
	}
	defer fr.Close()
	if !fr.Cmd.IsKeyOp() {
		return // the caller's cleanup closes c
	}
	u, err := net.Dial("unix", upstream)
	if err != nil {
		return
	}
	defer u.Close()
	if _, err := u.Write(ipc.AppendFrame(nil, fr.Cmd, fr.Body)); err != nil {
		return
	}
	_ = u.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, _ = io.Copy(c, u)
	c.Close()
}
