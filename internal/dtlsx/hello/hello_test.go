package hello

import (
	"bytes"
	"testing"
)

// build makes a DTLS ClientHello datagram with the given session id and
// extensions (type, data pairs).
func build(recVer [2]byte, sid []byte, exts ...[]byte) []byte {
	var body []byte
	body = append(body, 0xfe, 0xfd)
	r := bytes.Repeat([]byte{7}, 32)
	body = append(body, r...)
	body = append(body, byte(len(sid)))
	body = append(body, sid...)
	body = append(body, 0)                            // cookie
	body = append(body, 0, 4, 0x00, 0xa9, 0xcc, 0xab) // suites
	body = append(body, 1, 0)                         // compression
	var ext []byte
	for _, e := range exts {
		ext = append(ext, e...)
	}
	body = append(body, byte(len(ext)>>8), byte(len(ext)))
	body = append(body, ext...)
	hs := []byte{1, 0, byte(len(body) >> 8), byte(len(body)), 0, 0, 0, 0, 0, 0, byte(len(body) >> 8), byte(len(body))}
	hs = append(hs, body...)
	rec := []byte{22, recVer[0], recVer[1], 0, 0, 0, 0, 0, 0, 0, 0, byte(len(hs) >> 8), byte(len(hs))}
	return append(rec, hs...)
}

func ext(typ int, data []byte) []byte {
	return append([]byte{byte(typ >> 8), byte(typ), byte(len(data) >> 8), byte(len(data))}, data...)
}

func TestSessionID(t *testing.T) {
	sid := bytes.Repeat([]byte{0xaa}, 32)
	app := bytes.Repeat([]byte{0xbb}, 32)
	appExt := ext(ExtAppID, append([]byte{32}, app...))
	dtls12 := [2]byte{0xfe, 0xff}
	cases := []struct {
		name   string
		b      []byte
		useExt bool
		want   []byte
	}{
		{"session_id", build(dtls12, sid, ext(13, []byte{0, 2, 4, 1})), true, sid},
		{"ext48018 preferred with psk", build(dtls12, sid, ext(13, []byte{0, 0}), appExt), true, app},
		{"ext48018 ignored without psk", build(dtls12, sid, appExt), false, sid},
		{"ext only, empty session_id", build(dtls12, nil, appExt), true, app},
		{"BAD_VER record", build([2]byte{1, 0}, sid), false, sid},
		{"bad version", build([2]byte{3, 3}, sid), true, nil},
		{"empty session_id", build(dtls12, nil), true, nil},
		{"truncated", build(dtls12, sid)[:80], true, nil},
		{"malformed ext falls back", build(dtls12, sid, []byte{0xbb, 0x92, 0, 40, 32}), true, sid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := SessionID(c.b, c.useExt)
			if c.want == nil {
				if ok {
					t.Fatalf("got %x, want none", got)
				}
				return
			}
			if !ok || !bytes.Equal(got, c.want) {
				t.Fatalf("got %x %v, want %x", got, ok, c.want)
			}
		})
	}
}

func TestChecks(t *testing.T) {
	b := build([2]byte{0xfe, 0xfd}, bytes.Repeat([]byte{1}, 32))
	if !IsHandshake(b) || ZeroRandom(b) {
		t.Fatal("valid hello misjudged")
	}
	z := append([]byte(nil), b...)
	for i := 27; i < 59; i++ {
		z[i] = 0
	}
	if !ZeroRandom(z) {
		t.Fatal("zero random not seen")
	}
	b[0] = 23
	if IsHandshake(b) {
		t.Fatal("application data taken for a handshake")
	}
	if IsHandshake(nil) || VersionOK([]byte{1}) {
		t.Fatal("short input accepted")
	}
}

func FuzzClientHello(f *testing.F) {
	f.Add(build([2]byte{0xfe, 0xff}, bytes.Repeat([]byte{0xaa}, 32)), true)
	f.Add(build([2]byte{0xfe, 0xff}, nil, ext(ExtAppID, append([]byte{32}, bytes.Repeat([]byte{1}, 32)...))), true)
	f.Add([]byte{22, 254, 253}, false)
	f.Fuzz(func(t *testing.T, b []byte, useExt bool) {
		id, ok := SessionID(b, useExt)
		if ok && (len(id) == 0 || len(id) > 255) {
			t.Fatalf("bad id length %d", len(id))
		}
		_ = ZeroRandom(b)
		_ = IsHandshake(b)
	})
}
