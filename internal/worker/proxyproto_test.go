package worker

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
)

func v2Header(cmd, fam byte, data []byte) []byte {
	b := append([]byte{}, proxyV2Sig...)
	b = append(b, 0x20|cmd, fam, 0, 0)
	binary.BigEndian.PutUint16(b[14:], uint16(len(data)))
	return append(b, data...)
}

func TestParseProxyHeader(t *testing.T) {
	v4 := []byte{10, 1, 2, 3, 10, 9, 9, 1, 0x30, 0x39, 0x01, 0xbb}
	v6 := make([]byte, 36)
	copy(v6, netip.MustParseAddr("2001:db8::1").AsSlice())
	copy(v6[16:], netip.MustParseAddr("2001:db8::2").AsSlice())
	binary.BigEndian.PutUint16(v6[32:], 1234)
	binary.BigEndian.PutUint16(v6[34:], 443)
	tlv := append(append([]byte{}, v4...), 0x20, 0, 1, 0) // an SSL TLV, ignored
	trailer := []byte("\x16\x03\x01TLS")
	cases := []struct {
		name     string
		in       []byte
		err      bool
		hasAddr  bool
		src, dst string
	}{
		{"v2 tcp4", v2Header(1, 0x11, v4), false, true, "10.1.2.3:12345", "10.9.9.1:443"},
		{"v2 tcp4 tlv", v2Header(1, 0x11, tlv), false, true, "10.1.2.3:12345", "10.9.9.1:443"},
		{"v2 tcp6", v2Header(1, 0x21, v6), false, true, "[2001:db8::1]:1234", "[2001:db8::2]:443"},
		{"v2 local", v2Header(0, 0x00, nil), true, false, "", ""},
		{"v2 unix family skipped", v2Header(1, 0x31, make([]byte, 216)), false, false, "", ""},
		{"v2 udp skipped", v2Header(1, 0x12, v4), false, false, "", ""},
		{"v2 short v4 skipped", v2Header(1, 0x11, v4[:8]), false, false, "", ""},
		{"v2 too long", v2Header(1, 0x11, make([]byte, 521)), true, false, "", ""},
		{"bad sig", append([]byte("GET / HTTP/1.1\r\n"), trailer...), true, false, "", ""},
		{"tls", append([]byte{0x16, 3, 1, 0, 200, 1, 0, 0, 196, 3, 3, 0, 0, 0, 0, 0}, trailer...), true, false, "", ""},
		{"v1 tcp4", []byte("PROXY TCP4 10.1.2.3 10.9.9.1 12345 443\r\n"), false, true, "10.1.2.3:12345", "10.9.9.1:443"},
		{"v1 tcp6", []byte("PROXY TCP6 2001:db8::1 2001:db8::2 1234 443\r\n"), false, true, "[2001:db8::1]:1234", "[2001:db8::2]:443"},
		{"v1 unknown", []byte("PROXY UNKNOWN\r\n"), false, false, "", ""},
		{"v1 mixed family", []byte("PROXY TCP4 2001:db8::1 10.9.9.1 1 2\r\n"), true, false, "", ""},
		{"v1 no crlf", []byte("PROXY TCP4 10.1.2.3 10.9.9.1 1 2\n"), true, false, "", ""},
		{"v1 bad port", []byte("PROXY TCP4 10.1.2.3 10.9.9.1 1 65536\r\n"), true, false, "", ""},
		{"v1 endless", append([]byte("PROXY "), bytes.Repeat([]byte("x"), 200)...), true, false, "", ""},
		{"empty", nil, true, false, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := bytes.NewReader(append(append([]byte{}, c.in...), trailer...))
			h, err := parseProxyHeader(r)
			if (err != nil) != c.err {
				t.Fatalf("err = %v, want error %v", err, c.err)
			}
			if err != nil {
				if !errors.Is(err, errProxyHeader) {
					t.Errorf("error %v is not errProxyHeader", err)
				}
				return
			}
			if r.Len() != len(trailer) {
				t.Errorf("consumed %d bytes of the stream after the header", len(trailer)-r.Len())
			}
			if h.hasAddr != c.hasAddr {
				t.Fatalf("hasAddr = %v", h.hasAddr)
			}
			if c.hasAddr && (h.src.String() != c.src || h.dst.String() != c.dst) {
				t.Errorf("src %v dst %v, want %s %s", h.src, h.dst, c.src, c.dst)
			}
		})
	}
}

// FuzzParseProxyHeader: any input either fails with errProxyHeader or
// yields a header, never reading past the v1 line or the v2 block (so the
// TLS stream that follows stays intact), and valid addresses when it says so.
func FuzzParseProxyHeader(f *testing.F) {
	f.Add(v2Header(1, 0x11, []byte{10, 1, 2, 3, 10, 9, 9, 1, 0x30, 0x39, 0x01, 0xbb}))
	f.Add(v2Header(1, 0x21, make([]byte, 36)))
	f.Add(v2Header(0, 0, nil))
	f.Add([]byte("PROXY TCP4 10.1.2.3 10.9.9.1 12345 443\r\n"))
	f.Add([]byte("PROXY TCP6 ::1 ::1 1 2\r\n"))
	f.Add([]byte("PROXY UNKNOWN\r\n"))
	f.Add([]byte{0x16, 3, 1, 0})
	f.Fuzz(func(t *testing.T, in []byte) {
		r := bytes.NewReader(in)
		h, err := parseProxyHeader(r)
		used := len(in) - r.Len()
		if err != nil {
			if !errors.Is(err, errProxyHeader) {
				t.Fatalf("error %v is not errProxyHeader", err)
			}
			return
		}
		if used > 16+proxyV2MaxData && used > proxyV1MaxLine {
			t.Fatalf("consumed %d bytes", used)
		}
		if h.hasAddr && (!h.src.Addr().IsValid() || !h.dst.Addr().IsValid()) {
			t.Fatalf("invalid addresses %v %v", h.src, h.dst)
		}
		if h.version == 1 && (used > proxyV1MaxLine || in[used-1] != '\n') {
			t.Fatalf("v1 header consumed %d bytes", used)
		}
	})
}
