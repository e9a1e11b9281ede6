package cstp

import (
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"
)

// stalledPipe returns the writing end of a pipe nobody reads (net.Pipe
// is unbuffered: every Write blocks until its deadline).
func stalledPipe(t *testing.T) net.Conn {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return a
}

// TestWriterDeadline: a peer that never reads makes every kind of write
// fail with a timeout within the Writer's bound instead of blocking, and
// the error is sticky.
func TestWriterDeadline(t *testing.T) {
	tests := []struct {
		name  string
		write func(w *Writer) error
	}{
		{"packet", func(w *Writer) error { return w.WritePacket(TypeDPDReq, nil) }},
		{"frame", func(w *Writer) error { return w.WriteFrame(make([]byte, HeaderLen+100), TypeData) }},
		{"data", func(w *Writer) error { return w.WriteData([]byte{0x45, 0}) }},
		{"kick", func(w *Writer) error { return w.WriteKick() }},
		{"try", func(w *Writer) error { return w.TryWritePacket(TypeDisconnect, nil, 0, 50*time.Millisecond) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWriter(stalledPipe(t))
			w.SetTimeout(50 * time.Millisecond)
			errc := make(chan error, 1)
			go func() { errc <- tt.write(w) }()
			var err error
			select {
			case err = <-errc:
			case <-time.After(10 * time.Second):
				t.Fatal("write to a peer that does not read did not return")
			}
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatalf("err = %v, want a deadline error", err)
			}
			if err2 := w.WritePacket(TypeDPDResp, nil); !errors.Is(err2, os.ErrDeadlineExceeded) {
				t.Fatalf("second write: %v, want the sticky deadline error", err2)
			}
			if w.Err() == nil {
				t.Fatal("Err() = nil after a failed write")
			}
		})
	}
}

// TestTryWritePacketBusy: while another write holds the Writer,
// TryWritePacket gives up with ErrBusy after its wait, whatever the state
// of the peer; once the holder is done it writes.
func TestTryWritePacketBusy(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	w := NewWriter(a)
	w.SetTimeout(5 * time.Second)
	held := make(chan error, 1)
	go func() { held <- w.WritePacket(TypeData, []byte{0x45}) }()
	// Wait until the first write owns the Writer (it blocks in the pipe).
	deadline := time.Now().Add(5 * time.Second)
	for len(w.sem) == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	for _, wait := range []time.Duration{0, 20 * time.Millisecond} {
		if err := w.TryWritePacket(TypeDisconnect, nil, wait, time.Second); !errors.Is(err, ErrBusy) {
			t.Fatalf("wait %v: err = %v, want ErrBusy", wait, err)
		}
	}
	if w.Err() != nil {
		t.Fatalf("Err() while a write is in progress: %v", w.Err())
	}
	buf := make([]byte, 64)
	if _, err := io.ReadFull(b, buf[:HeaderLen+1]); err != nil {
		t.Fatal(err)
	}
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() { errc <- w.TryWritePacket(TypeDisconnect, nil, time.Second, time.Second) }()
	if _, err := io.ReadFull(b, buf[:HeaderLen]); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("TryWritePacket on an idle Writer: %v", err)
	}
	if got := Type(buf[6]); got != TypeDisconnect {
		t.Fatalf("got %s, want DISCONNECT", got)
	}
}
