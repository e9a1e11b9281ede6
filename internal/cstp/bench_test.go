package cstp

import (
	"bytes"
	"io"
	"testing"
)

func BenchmarkReader(b *testing.B) {
	var raw []byte
	for i := 0; i < 64; i++ {
		raw, _ = Append(raw, TypeData, make([]byte, 1400))
	}
	br := bytes.NewReader(raw)
	r := NewReader(br, 1500)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		br.Reset(raw)
		r.err = nil
		for {
			if _, err := r.Next(); err != nil {
				if err != io.EOF {
					b.Fatal(err)
				}
				break
			}
		}
	}
}

func BenchmarkWriter(b *testing.B) {
	w := NewWriter(io.Discard)
	p := make([]byte, 1400)
	b.SetBytes(int64(HeaderLen + len(p)))
	b.ReportAllocs()
	for b.Loop() {
		if err := w.WriteData(p); err != nil {
			b.Fatal(err)
		}
	}
}
