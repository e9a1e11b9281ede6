package lz4

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
)

// katBlock extracts the single data block of testdata/kat.lz4, written by
// the lz4 command-line tool (liblz4) from testdata/kat.txt.
func katBlock(t *testing.T) (plain, block []byte) {
	t.Helper()
	plain, err := os.ReadFile("testdata/kat.txt")
	if err != nil {
		t.Fatal(err)
	}
	frame, err := os.ReadFile("testdata/kat.lz4")
	if err != nil {
		t.Fatal(err)
	}
	// magic(4) FLG BD HC, then the block size (LE, high bit = stored).
	if binary.LittleEndian.Uint32(frame) != 0x184d2204 || frame[4]&0x08 != 0 {
		t.Fatal("unexpected frame header")
	}
	size := binary.LittleEndian.Uint32(frame[7:])
	if size&0x80000000 != 0 {
		t.Fatal("block stored uncompressed")
	}
	return plain, frame[11 : 11+size]
}

func TestKnownAnswerLiblz4(t *testing.T) {
	plain, block := katBlock(t)
	dst := make([]byte, 16384)
	n, err := Decompress(dst, block)
	if err != nil || !bytes.Equal(dst[:n], plain) {
		t.Fatalf("decompress liblz4 block: n=%d err=%v", n, err)
	}
	var c Compressor
	out := make([]byte, len(plain))
	m, err := c.Compress(out, plain)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out[:m], block) {
		t.Fatalf("our block differs from liblz4's:\n%x\n%x", out[:m], block)
	}
}

func TestRoundTripAndIncompressible(t *testing.T) {
	var c Compressor
	for _, in := range [][]byte{
		bytes.Repeat([]byte("GET /index.html HTTP/1.1\r\nHost: example\r\n"), 30),
		bytes.Repeat([]byte{0}, 1400),
		[]byte("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz"),
	} {
		out := make([]byte, len(in))
		n, err := c.Compress(out, in)
		if err != nil {
			t.Fatalf("compress %d bytes: %v", len(in), err)
		}
		back := make([]byte, 16384)
		m, err := Decompress(back, out[:n])
		if err != nil || !bytes.Equal(back[:m], in) {
			t.Fatalf("round trip failed: %v", err)
		}
	}
	rnd := make([]byte, 1000)
	for i := range rnd {
		rnd[i] = byte(i*7919 ^ i>>3*31)
	}
	x := uint32(1)
	for i := range rnd {
		x = x*1664525 + 1013904223
		rnd[i] = byte(x >> 24)
	}
	if _, err := c.Compress(make([]byte, len(rnd)), rnd); err == nil {
		t.Fatal("random data compressed into a buffer no larger than the input")
	}
	if _, err := Decompress(make([]byte, 10), []byte{0xf0, 1, 2}); err == nil {
		t.Fatal("truncated block accepted")
	}
}

func FuzzLZ4Decompress(f *testing.F) {
	if b, err := os.ReadFile("testdata/kat.lz4"); err == nil && len(b) > 11 {
		f.Add(b[11:])
	}
	f.Add([]byte{0x10, 'a', 1, 0})
	f.Add([]byte{})
	dst := make([]byte, 16384)
	f.Fuzz(func(t *testing.T, src []byte) {
		n, err := Decompress(dst, src)
		if err == nil && (n < 0 || n > len(dst)) {
			t.Fatalf("n=%d", n)
		}
	})
}
