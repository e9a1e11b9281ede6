package lzs

import (
	"bytes"
	"strings"
	"testing"
)

// bitsToBytes turns a string of '0'/'1' (spaces ignored) into bytes,
// zero-padding the last one.
func bitsToBytes(s string) []byte {
	s = strings.ReplaceAll(s, " ", "")
	out := make([]byte, (len(s)+7)/8)
	for i, c := range s {
		if c == '1' {
			out[i/8] |= 0x80 >> (i % 8)
		}
	}
	return out
}

// Known answers derived by hand from the ANSI X3.241 / RFC 1974 bit
// layout (package doc).
var kat = []struct {
	plain string
	bits  string
}{
	// literal 'a', match offset 1 (short) length 3, end marker.
	{"aaaa", "0 01100001  1 1 0000001 01  1 1 0000000"},
	// literals "ab", match offset 2 length 4, end marker.
	{"ababab", "0 01100001 0 01100010  1 1 0000010 10  1 1 0000000"},
	// literal 'x', match offset 1 length 26 = 8+15+3, end marker.
	{strings.Repeat("x", 27), "0 01111000  1 1 0000001 11 11 1111 0011  1 1 0000000"},
	// literal 'z', match offset 1 length 7, end marker.
	{strings.Repeat("z", 8), "0 01111010  1 1 0000001 11 10  1 1 0000000"},
	// only the end marker: empty packet.
	{"", "1 1 0000000"},
}

func TestKnownAnswers(t *testing.T) {
	for _, k := range kat {
		enc := bitsToBytes(k.bits)
		dst := make([]byte, 100)
		n, err := Decompress(dst, enc)
		if err != nil || string(dst[:n]) != k.plain {
			t.Errorf("decompress %x: %q, %v; want %q", enc, dst[:n], err, k.plain)
		}
		out := make([]byte, 100)
		m, err := Compress(out, []byte(k.plain))
		if err != nil || !bytes.Equal(out[:m], enc) {
			t.Errorf("compress %q: %x, %v; want %x", k.plain, out[:m], err, enc)
		}
	}
}

func TestLongOffsetAndOpenconnectTrailer(t *testing.T) {
	// 'a', 'b', then 200 bytes of 'c' ... 'q' would be long; build a
	// stream by hand: literal 'q', 149 literals, match offset 150 (long
	// form) length 2, end marker followed by openconnect's 0xC000 style
	// trailer bits.
	var b strings.Builder
	var plain []byte
	for i := 0; i < 150; i++ {
		c := byte('A' + i%50)
		if i >= 50 {
			c = byte(0x80 + i)
		}
		plain = append(plain, c)
		b.WriteString("0 ")
		for k := 7; k >= 0; k-- {
			b.WriteByte('0' + (c>>k)&1)
		}
		b.WriteByte(' ')
	}
	b.WriteString("1 0 00010010110 00 ") // offset 150, length 2
	plain = append(plain, plain[0], plain[1])
	b.WriteString("1 1 0000000 0000000")
	dst := make([]byte, 400)
	n, err := Decompress(dst, bitsToBytes(b.String()))
	if err != nil || !bytes.Equal(dst[:n], plain) {
		t.Fatalf("long offset: %v", err)
	}
}

func TestErrors(t *testing.T) {
	for name, bits := range map[string]string{
		"no end marker":     "0 01100001",
		"offset too far":    "0 01100001 1 1 0000010 00 1 1 0000000",
		"long offset zero":  "0 01100001 1 0 00000000000 00 1 1 0000000",
		"truncated literal": "0 0110",
	} {
		if _, err := Decompress(make([]byte, 100), bitsToBytes(bits)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := Decompress(make([]byte, 3), bitsToBytes(kat[2].bits)); err != ErrTooLarge {
		t.Errorf("bounded output: got %v", err)
	}
}

func TestRoundTrip(t *testing.T) {
	var c Compressor
	x := uint32(7)
	for size := 0; size < 3000; size += 37 {
		in := make([]byte, size)
		for i := range in {
			x = x*1664525 + 1013904223
			if x>>30 == 0 { // mostly text-like with repeats
				in[i] = byte(x >> 16)
			} else if i > 300 {
				in[i] = in[i-int(x>>20)%299-1]
			} else {
				in[i] = "the quick brown fox "[i%20]
			}
		}
		out := make([]byte, 2*size+10)
		n, err := c.Compress(out, in)
		if err != nil {
			t.Fatal(err)
		}
		back := make([]byte, size)
		m, err := Decompress(back, out[:n])
		if err != nil || !bytes.Equal(back[:m], in) {
			t.Fatalf("size %d: round trip failed: %v", size, err)
		}
	}
	text := []byte(strings.Repeat("Lorem ipsum dolor sit amet, consectetur adipiscing elit. ", 25))
	n, err := c.Compress(make([]byte, len(text)), text)
	if err != nil || n > len(text)/4 {
		t.Fatalf("text compressed to %d of %d (%v)", n, len(text), err)
	}
	if _, err := c.Compress(make([]byte, 4), text); err != ErrTooLarge {
		t.Fatalf("small dst: %v", err)
	}
}

func FuzzLZSDecompress(f *testing.F) {
	for _, k := range kat {
		f.Add(bitsToBytes(k.bits))
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff})
	dst := make([]byte, 16384)
	var c Compressor
	f.Fuzz(func(t *testing.T, src []byte) {
		n, err := Decompress(dst, src)
		if n < 0 || n > len(dst) {
			t.Fatalf("n=%d", n)
		}
		if err == nil && n > 0 {
			// Whatever decodes re-encodes to the same bytes.
			plain := append([]byte(nil), dst[:n]...)
			out := make([]byte, 2*n+16)
			m, err := c.Compress(out, plain)
			if err != nil {
				t.Fatal(err)
			}
			back := make([]byte, n)
			k, err := Decompress(back, out[:m])
			if err != nil || !bytes.Equal(back[:k], plain) {
				t.Fatalf("re-encode round trip: %v", err)
			}
		}
	})
}
