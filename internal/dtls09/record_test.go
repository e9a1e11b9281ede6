package dtls09

import (
	"bytes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"testing"
)

func statePair(t testing.TB, s Suite) (w, r *cipherState) {
	t.Helper()
	key := make([]byte, suites[s].keyLen)
	mk := make([]byte, 20)
	rand.Read(key)
	rand.Read(mk)
	w, err := newCipherState(s, key, mk, true)
	if err != nil {
		t.Fatal(err)
	}
	r, err = newCipherState(s, key, mk, false)
	if err != nil {
		t.Fatal(err)
	}
	return w, r
}

// TestRecordRoundTrip seals and opens payloads of every length around the
// block boundaries for the three suites, and checks the wire format with an
// independent decryption (crypto/cipher CBC and crypto/hmac directly).
func TestRecordRoundTrip(t *testing.T) {
	for _, s := range []Suite{AES128SHA, AES256SHA, DESCBC3SHA} {
		t.Run(s.String(), func(t *testing.T) {
			key := make([]byte, suites[s].keyLen)
			mk := make([]byte, 20)
			rand.Read(key)
			rand.Read(mk)
			w, _ := newCipherState(s, key, mk, true)
			r, _ := newCipherState(s, key, mk, false)
			bs := suites[s].blockLen
			for n := 0; n < 70; n++ {
				p := make([]byte, n)
				rand.Read(p)
				d, err := w.seal(nil, typeAppData, p, rand.Reader)
				if err != nil {
					t.Fatal(err)
				}
				if len(d) > headerLen+n+s.Overhead()-headerLen || len(d) != w.sealedLen(n) {
					t.Fatalf("n=%d: record of %d bytes exceeds the overhead %d", n, len(d), s.Overhead())
				}
				// Independent check of the format.
				blk, _ := suites[s].newBlock(key)
				body := bytes.Clone(d[headerLen+bs:])
				cipher.NewCBCDecrypter(blk, d[headerLen:headerLen+bs]).CryptBlocks(body, body)
				pad := int(body[len(body)-1])
				for _, b := range body[len(body)-pad-1:] {
					if int(b) != pad {
						t.Fatalf("n=%d: padding %x", n, body)
					}
				}
				m := hmac.New(sha1.New, mk)
				seq := uint64(n)
				m.Write([]byte{0, 1, byte(seq >> 40), byte(seq >> 32), byte(seq >> 24), byte(seq >> 16), byte(seq >> 8), byte(seq), 23, 1, 0, byte(n >> 8), byte(n)})
				m.Write(p)
				if !bytes.Equal(body[:n], p) || !bytes.Equal(body[n:n+20], m.Sum(nil)) {
					t.Fatalf("n=%d: plaintext/MAC mismatch", n)
				}
				rec, rest, err := parseRecord(d)
				if err != nil || len(rest) != 0 || rec.seq != seq || rec.epoch != 1 || rec.typ != typeAppData {
					t.Fatalf("n=%d: parse %+v %v", n, rec, err)
				}
				got, ok := r.open(rec)
				if !ok || !bytes.Equal(got, p) {
					t.Fatalf("n=%d: open = %x, %v", n, got, ok)
				}
			}
		})
	}
}

// TestRecordTamper: any modified byte, a wrong sequence number or type, and
// well-MACed records with bad padding are all rejected.
func TestRecordTamper(t *testing.T) {
	for _, s := range []Suite{AES128SHA, AES256SHA, DESCBC3SHA} {
		t.Run(s.String(), func(t *testing.T) {
			w, r := statePair(t, s)
			d, _ := w.seal(nil, typeAppData, []byte("the payload, 33 bytes long......."), rand.Reader)
			for i := headerLen; i < len(d); i++ {
				bad := bytes.Clone(d)
				bad[i] ^= 0x80
				rec, _, _ := parseRecord(bad)
				if _, ok := r.open(rec); ok {
					t.Fatalf("flipped byte %d accepted", i)
				}
			}
			for _, mut := range []func(*record){
				func(rc *record) { rc.seq++ },
				func(rc *record) { rc.epoch = 2 },
				func(rc *record) { rc.typ = typeHandshake },
				func(rc *record) { rc.body = rc.body[:len(rc.body)-suites[s].blockLen] },
				func(rc *record) { rc.body = rc.body[:len(rc.body)-1] },
				func(rc *record) { rc.body = rc.body[:suites[s].blockLen] },
			} {
				rec, _, _ := parseRecord(bytes.Clone(d))
				mut(&rec)
				if _, ok := r.open(rec); ok {
					t.Fatal("mutated record accepted")
				}
			}
		})
	}
}

// TestBadPaddingGoodMAC builds records whose MAC is right but whose padding
// is wrong (as a padding-oracle attacker would) and checks they fail.
func TestBadPaddingGoodMAC(t *testing.T) {
	key := make([]byte, 16)
	mk := make([]byte, 20)
	r, _ := newCipherState(AES128SHA, key, mk, false)
	mac := func(p []byte) []byte {
		m := hmac.New(sha1.New, mk)
		m.Write([]byte{0, 1, 0, 0, 0, 0, 0, 0, 23, 1, 0, 0, byte(len(p))})
		m.Write(p)
		return m.Sum(nil)
	}
	payload := []byte("0123456789abcdefghijklmnopqrstuvwxyz")
	tests := []struct {
		name string
		tail []byte
		ok   bool
	}{
		{"good", []byte{0}, true},
		{"length byte too big", []byte{17}, false},
		{"pad bytes differ", []byte{0, 1}, false},
		{"good 17", bytes.Repeat([]byte{16}, 17), true},
		{"one wrong among 17", append([]byte{15}, bytes.Repeat([]byte{16}, 16)...), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := payload[:48-20-len(tt.tail)] // 48 bytes of plaintext in all
			pt := append(append(bytes.Clone(p), mac(p)...), tt.tail...)
			if len(pt)%16 != 0 {
				// Pad the plaintext prefix instead, so the shape stays valid.
				t.Fatalf("test bug: %d", len(pt))
			}
			iv := make([]byte, 16)
			ct := bytes.Clone(pt)
			blk, _ := suites[AES128SHA].newBlock(key)
			cipher.NewCBCEncrypter(blk, iv).CryptBlocks(ct, ct)
			rec := record{typ: typeAppData, epoch: 1, seq: 0, body: append(iv, ct...)}
			got, ok := r.open(rec)
			if ok != tt.ok || (ok && !bytes.Equal(got, p)) {
				t.Errorf("open = %q, %v; want %v", got, ok, tt.ok)
			}
		})
	}
}

func TestCheckPadding(t *testing.T) {
	tests := []struct {
		name  string
		in    []byte
		strip int
		good  int
	}{
		{"zero", []byte{9, 9, 0}, 1, 1},
		{"two", []byte{9, 2, 2, 2}, 3, 1},
		{"whole buffer", []byte{2, 2, 2}, 3, 1},
		{"longer than buffer", []byte{3, 3, 3}, 0, 0},
		{"mismatch", []byte{9, 1, 2, 2}, 0, 0},
		{"255", bytes.Repeat([]byte{255}, 256), 256, 1},
		{"255 one off", append([]byte{254}, bytes.Repeat([]byte{255}, 255)...), 0, 0},
		{"255 with data", append([]byte{7}, bytes.Repeat([]byte{255}, 256)...), 256, 1},
	}
	for _, tt := range tests {
		strip, good := checkPadding(tt.in)
		if strip != tt.strip || good != tt.good {
			t.Errorf("%s: checkPadding = %d, %d; want %d, %d", tt.name, strip, good, tt.strip, tt.good)
		}
	}
}

func TestReplayWindow(t *testing.T) {
	type step struct {
		seq   uint64
		fresh bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"in order", []step{{0, true}, {1, true}, {2, true}, {2, false}, {1, false}}},
		{"reordered", []step{{5, true}, {3, true}, {4, true}, {3, false}, {6, true}, {5, false}}},
		{"window edge", []step{{100, true}, {37, true}, {36, false}, {37, false}, {163, true}, {100, false}, {101, true}, {99, false}}},
		{"big jump", []step{{1, true}, {1 << 40, true}, {1, false}, {1<<40 - 1, true}, {1 << 40, false}}},
		{"starts late", []step{{1000, true}, {999, true}, {1000, false}}},
	}
	for _, tt := range tests {
		var w replayWindow
		for i, s := range tt.steps {
			if got := w.fresh(s.seq); got != s.fresh {
				t.Fatalf("%s: step %d: fresh(%d) = %v", tt.name, i, s.seq, got)
			}
			if s.fresh {
				w.accept(s.seq)
			}
		}
	}
}

func TestParseRecord(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		ok   bool
		n    int
	}{
		{"empty", nil, false, 0},
		{"short header", []byte{22, 1, 0, 0, 0}, false, 0},
		{"DTLS 1.0 version", []byte{22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, false, 0},
		{"empty body", []byte{22, 1, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 0}, true, 0},
		{"length beyond datagram", []byte{22, 1, 0, 0, 0, 0, 0, 0, 0, 0, 7, 0, 2, 1}, false, 0},
		{"body", []byte{23, 1, 0, 0, 1, 0, 0, 0, 0, 0, 7, 0, 2, 1, 2, 99}, true, 2},
	}
	for _, tt := range tests {
		r, rest, err := parseRecord(tt.in)
		if (err == nil) != tt.ok || (tt.ok && len(r.body) != tt.n) {
			t.Errorf("%s: %+v %v", tt.name, r, err)
		}
		if tt.ok && len(rest) != len(tt.in)-headerLen-tt.n {
			t.Errorf("%s: rest %x", tt.name, rest)
		}
	}
}

// The data path allocates nothing per record.
func TestRecordAllocations(t *testing.T) {
	w, r := statePair(t, AES128SHA)
	buf := make([]byte, 0, 2000)
	p := make([]byte, 1400)
	ivs := rand.Reader
	allocs := testing.AllocsPerRun(100, func() {
		d, _ := w.seal(buf[:0], typeAppData, p, ivs)
		rec, _, _ := parseRecord(d)
		if !r.fresh(rec) {
			panic("open")
		}
	})
	if allocs > 0 {
		t.Errorf("%v allocations per record", allocs)
	}
}

func (cs *cipherState) fresh(rec record) bool {
	cs.seq = rec.seq
	_, ok := cs.open(rec)
	return ok
}

func BenchmarkSealOpen1400(b *testing.B) {
	for _, s := range []Suite{AES128SHA, DESCBC3SHA} {
		b.Run(s.String(), func(b *testing.B) {
			w, r := statePair(b, s)
			buf := make([]byte, 0, 2000)
			p := make([]byte, 1400)
			b.SetBytes(1400)
			b.ReportAllocs()
			for b.Loop() {
				d, _ := w.seal(buf[:0], typeAppData, p, rand.Reader)
				rec, _, _ := parseRecord(d)
				if _, ok := r.open(rec); !ok {
					b.Fatal("open")
				}
			}
		})
	}
}
