package dtls09

import (
	"bytes"
	"crypto/rand"
	"testing"
)

// FuzzRecord feeds arbitrary datagrams through the record parser and the
// decryption/authentication path the way Conn.Read does; it also checks
// that a sealed payload always opens to itself.
func FuzzRecord(f *testing.F) {
	w, r := statePair(f, AES128SHA)
	good, _ := w.seal(nil, typeAppData, []byte("seed payload"), rand.Reader)
	f.Add(good)
	f.Add(append(bytes.Clone(good), good...))
	f.Add(plainRecord(nil, typeCCS, 1, []byte{1, 0, 1}))
	f.Add([]byte{23, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, d []byte) {
		var win replayWindow
		for i := 0; len(d) > 0 && i < 10000; i++ {
			rec, rest, err := parseRecord(d)
			if err != nil {
				break
			}
			if len(rest) >= len(d) {
				t.Fatal("parser made no progress")
			}
			d = rest
			if win.fresh(rec.seq) {
				if _, ok := r.open(rec); ok {
					win.accept(rec.seq)
				}
			}
		}
		if len(d) <= maxPlain {
			sealed, err := w.seal(nil, typeAppData, d, rand.Reader)
			if err != nil {
				t.Fatal(err)
			}
			rec, _, err := parseRecord(sealed)
			if err != nil {
				t.Fatal(err)
			}
			r.seqCheck(t, rec, d)
		}
	})
}

func (cs *cipherState) seqCheck(t *testing.T, rec record, want []byte) {
	got, ok := cs.open(rec)
	if !ok || !bytes.Equal(got, want) {
		t.Fatalf("round trip: %x, %v", got, ok)
	}
}

// FuzzClientHello feeds arbitrary first datagrams to the ClientHello
// parser and the acceptance check.
func FuzzClientHello(f *testing.F) {
	master, sid := make([]byte, 48), make([]byte, 32)
	tc := newTestClient(master, sid, AES128SHA, AES256SHA)
	f.Add(tc.hello())
	tc.noExt = true
	f.Add(tc.hello())
	f.Add(unhex(f, "160100000000000000000000670100005b000000000000005b0100d7be409fa2b4147a63b7a2426bb0536a9af9e07a090239afcbc07c1a4a984b70204ba21209f4c2aac01044f1f40a84ab559c16872005a6d0c13540047aec3f70a8000002002f0100000f00230000ff01000100001c00024000"))
	cfg := Config{SessionID: sid, MasterSecret: master, Suite: AES128SHA}
	f.Fuzz(func(t *testing.T, d []byte) {
		ch, body, err := findClientHello(d)
		if err != nil {
			return
		}
		if len(ch.random) != 32 || len(ch.sessionID) > 32 || len(ch.suites) == 0 || len(body) > len(d) {
			t.Fatalf("accepted an impossible hello: %+v", ch)
		}
		if acceptHello(ch, cfg) == nil {
			sh := serverHelloBody(make([]byte, 32), ch.sessionID, cfg.Suite, ch.recordSizeLimit)
			if !bytes.Equal(sh[35:35+len(sid)], sid) {
				t.Fatal("ServerHello does not echo the session id")
			}
		}
	})
}
