package cstp

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary bytes to a Reader: it must never panic, never
// return a payload beyond the limit, and every packet it returns must
// re-encode to exactly the bytes it consumed.
func FuzzReader(f *testing.F) {
	f.Add([]byte("STF\x01\x00\x00\x03\x00"), 1500)
	f.Add([]byte("STF\x01\x00\x12\x05\x00\xb0Aborted by caller"), 1500)
	f.Add([]byte("STF\x01\x05\xdd\x00\x00"), 1500)
	f.Add([]byte("STF\x01\x00\x02\x00\x00E\x00STF\x01\x00\x00\x07\x00"), 0)
	f.Fuzz(func(t *testing.T, data []byte, max int) {
		r := NewReader(bytes.NewReader(data), max)
		limit := max
		if limit <= 0 || limit > MaxPayload {
			limit = MaxPayload
		}
		var re []byte
		for i := 0; i < len(data)+1; i++ {
			p, err := r.Next()
			if err != nil {
				if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, ErrBadMagic) && !errors.Is(err, ErrTooLong) {
					t.Fatalf("unexpected error class: %v", err)
				}
				break
			}
			if len(p.Payload) > limit {
				t.Fatalf("payload %d > limit %d", len(p.Payload), limit)
			}
			re, err = Append(re, p.Type, p.Payload)
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.HasPrefix(data, re) {
			t.Fatalf("re-encoded packets are not a prefix of the input")
		}
	})
}

// FuzzParseRecord checks the one-record-per-packet parser.
func FuzzParseRecord(f *testing.F) {
	f.Add([]byte("STF\x01\x00\x00\x03\x00"))
	f.Add([]byte("STF\x01\x00\x01\x00\x00E"))
	f.Fuzz(func(t *testing.T, rec []byte) {
		p, err := ParseRecord(rec, 0)
		if err != nil {
			return
		}
		re, err := Append(nil, p.Type, p.Payload)
		if err != nil || !bytes.Equal(re, rec) {
			t.Fatalf("round trip mismatch: %x vs %x (%v)", re, rec, err)
		}
	})
}
