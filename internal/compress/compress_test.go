package compress

import (
	"bytes"
	"testing"
)

func TestSelect(t *testing.T) {
	ms, bad := Methods(nil)
	for accept, want := range map[string]string{
		"oc-lz4,lzs": "oc-lz4", "lzs,oc-lz4": "oc-lz4", "LZS,deflate": "lzs",
		"deflate": "", "": "", " lzs": "",
	} {
		m, ok := Select(ms, accept)
		if (want == "") == ok || (ok && m.Name != want) {
			t.Errorf("Select(%q) = %q, %v; want %q", accept, m.Name, ok, want)
		}
	}
	if len(bad) != 0 {
		t.Fatal(bad)
	}
	ms, bad = Methods([]string{"lzs:95", "foo:3", "oc-lz4"})
	if m, _ := Select(ms, "oc-lz4,lzs"); m.Name != "lzs" {
		t.Errorf("priority override: got %s", m.Name)
	}
	if len(bad) != 2 {
		t.Errorf("bad = %q", bad)
	}
}

func TestCodecs(t *testing.T) {
	in := bytes.Repeat([]byte("compressible text 0123456789 "), 40)
	ms, _ := Methods(nil)
	for _, m := range ms {
		c := NewCodec(m)
		out := make([]byte, len(in))
		n, err := c.Compress(out, in)
		if err != nil {
			t.Fatal(m.Name, err)
		}
		back := make([]byte, 16384)
		k, err := c.Decompress(back, out[:n])
		if err != nil || !bytes.Equal(back[:k], in) {
			t.Fatal(m.Name, err)
		}
	}
}
