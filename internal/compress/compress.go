// Package compress holds the stateless per-packet compression methods of
// the CSTP and DTLS channels ("oc-lz4" and "lzs", protocol.md §9) and
// their negotiation from X-CSTP-Accept-Encoding / X-DTLS-Accept-Encoding.
package compress

import (
	"strconv"
	"strings"

	"github.com/ocserv-go/ocserv/internal/compress/lz4"
	"github.com/ocserv-go/ocserv/internal/compress/lzs"
)

// Method is a compression method as named on the wire.
type Method struct {
	Name string
	Prio int // server priority; the highest offered one wins
	ID   int // equal IDs share a compressed buffer across channels
}

// Methods returns ocserv's methods with its default priorities (oc-lz4
// 90, lzs 80) changed by the compression-algo-priority values
// ("NAME:PRIO"); invalid values are returned in bad.
func Methods(prio []string) (ms []Method, bad []string) {
	ms = []Method{{Name: "oc-lz4", Prio: 90, ID: 1}, {Name: "lzs", Prio: 80, ID: 2}}
	for _, p := range prio {
		name, num, ok := strings.Cut(p, ":")
		n, err := strconv.Atoi(strings.TrimSpace(num))
		found := false
		if ok && err == nil {
			for i := range ms {
				if strings.EqualFold(ms[i].Name, strings.TrimSpace(name)) {
					ms[i].Prio = n
					found = true
				}
			}
		}
		if !found {
			bad = append(bad, p)
		}
	}
	return ms, bad
}

// Select picks, from the client's comma-separated list, the known method
// with the highest priority (names compared case-insensitively, as
// ocserv's header parser does). ok is false when none is known.
func Select(ms []Method, accept string) (Method, bool) {
	var best Method
	ok := false
	for _, tok := range strings.Split(accept, ",") {
		for _, m := range ms {
			if tok != "" && strings.EqualFold(tok, m.Name) && (!ok || best.Prio < m.Prio) {
				best, ok = m, true
			}
		}
	}
	return best, ok
}

// Codec compresses and decompresses packets with one method. The
// compressing side keeps scratch tables and is for one goroutine;
// Decompress is stateless and safe for concurrent use.
type Codec struct {
	Method
	lzsC lzs.Compressor
	lz4C lz4.Compressor
}

// NewCodec returns a codec for m.
func NewCodec(m Method) *Codec { return &Codec{Method: m} }

// Compress writes the compressed form of src to dst; it fails when that
// does not fit dst.
func (c *Codec) Compress(dst, src []byte) (int, error) {
	if c.ID == 1 {
		return c.lz4C.Compress(dst, src)
	}
	return c.lzsC.Compress(dst, src)
}

// Decompress decodes src into dst (bounded by len(dst)).
func (c *Codec) Decompress(dst, src []byte) (int, error) {
	if c.ID == 1 {
		return lz4.Decompress(dst, src)
	}
	return lzs.Decompress(dst, src)
}
