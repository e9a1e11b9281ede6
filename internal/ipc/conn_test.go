package ipc

import (
	"bytes"
	"errors"
	"os"
	"sync"
	"testing"
	"time"
)

// TestConcurrentSendsDoNotInterleave: several goroutines send large frames
// (bigger than one socket buffer) on one connection whose reader is slow,
// so sendmsg takes each frame in parts. Every frame must arrive whole: a body
// made of one sender's byte only, with that sender's descriptor.
func TestConcurrentSendsDoNotInterleave(t *testing.T) {
	const size = 512 * 1024
	tests := []struct {
		name    string
		senders int
		frames  int
		withFD  bool
	}{
		{"plain", 8, 40, false},
		{"with descriptors", 3, 20, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := pair(t)
			devnull, err := os.Open(os.DevNull)
			if err != nil {
				t.Fatal(err)
			}
			defer devnull.Close()
			var wg sync.WaitGroup
			errs := make(chan error, tt.senders)
			for i := 0; i < tt.senders; i++ {
				wg.Add(1)
				go func(id byte) {
					defer wg.Done()
					body := bytes.Repeat([]byte{id}, size)
					fd := -1
					if tt.withFD {
						fd = int(devnull.Fd())
					}
					for j := 0; j < tt.frames; j++ {
						if err := SendBytes(a, Cmd(id), body, fd); err != nil {
							errs <- err
							return
						}
					}
				}(byte(i + 1))
			}
			got := 0
			for got < tt.senders*tt.frames {
				f, err := Recv(b, size, 10*time.Second)
				if err != nil {
					t.Fatalf("frame %d: %v", got, err)
				}
				if len(f.Body) != size || bytes.Count(f.Body, []byte{byte(f.Cmd)}) != size {
					t.Fatalf("frame %d (cmd %d) is mixed with another sender's bytes", got, f.Cmd)
				}
				if tt.withFD != (f.FD >= 0) {
					t.Fatalf("frame %d: descriptor %d, want one: %v", got, f.FD, tt.withFD)
				}
				f.Close()
				got++
				time.Sleep(time.Millisecond) // let the buffer fill up
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

// TestSendToPeerThatNeverReads: with a write deadline, Send returns a
// timeout error once the peer's buffer is full instead of blocking.
func TestSendToPeerThatNeverReads(t *testing.T) {
	a, _ := pair(t)
	body := make([]byte, MaxMsgSize)
	if err := a.SetWriteDeadline(time.Now().Add(300 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		for i := 0; i < 10000; i++ { // far more than any socket buffer
			if err := SendBytes(a, CmdTunMTU, body, -1); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrDeadlineExceeded) {
			t.Fatalf("send to a full peer: %v, want a deadline error", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("send to a peer that never reads did not honour the write deadline")
	}
}
