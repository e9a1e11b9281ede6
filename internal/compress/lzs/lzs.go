// Package lzs implements Stac LZS (ANSI X3.241-1994, as used by RFC 1974)
// in the stateless, one-packet-at-a-time form that openconnect and ocserv
// use for the "lzs" CSTP/DTLS compression method: every packet is an
// independent LZS stream (the history never spans packets) that ends with
// the end marker.
//
// It is written here from the format description because no Go LZS
// implementation is available to the project: the known ports are either
// translations of openconnect's LGPL lzs.c or cgo wrappers of it, and
// neither is served (see the team's deps.md §9).
//
// Bitstream (most significant bit first):
//
//	0 bbbbbbbb                 literal byte
//	1 1 ooooooo   <length>     match, offset 1..127
//	1 0 ooooooooooo <length>   match, offset 1..2047
//	1 1 0000000                end marker, then zero bits to a byte boundary
//
// Length codes: 00, 01, 10 = 2, 3, 4; 1100, 1101, 1110 = 5, 6, 7; 1111
// followed by nibbles, each 1111 adding 15, the first other nibble n
// ending the code with 8 + 15k + n.
package lzs

import "errors"

// Errors returned by Decompress and Compress.
var (
	ErrCorrupt  = errors.New("lzs: corrupt input")
	ErrTooLarge = errors.New("lzs: output does not fit")
)

const (
	maxOffset = 2047
	hashBits  = 12
	maxChain  = 48
)

// bitReader reads MSB-first bits.
type bitReader struct {
	src  []byte
	pos  int
	acc  uint32
	nacc uint
}

// bits returns the next n (<= 16) bits; ok is false at the end of input.
func (b *bitReader) bits(n uint) (uint32, bool) {
	for b.nacc < n {
		if b.pos >= len(b.src) {
			return 0, false
		}
		b.acc = b.acc<<8 | uint32(b.src[b.pos])
		b.pos++
		b.nacc += 8
	}
	b.nacc -= n
	v := (b.acc >> b.nacc) & (1<<n - 1)
	return v, true
}

// Decompress decodes one LZS packet from src into dst and returns the
// number of bytes written. It never writes beyond len(dst) (ErrTooLarge)
// and never allocates. Input that ends before the end marker, offsets of
// zero (long form) or reaching before the start of the output are
// ErrCorrupt.
func Decompress(dst, src []byte) (int, error) {
	br := bitReader{src: src}
	out := 0
	for {
		t, ok := br.bits(1)
		if !ok {
			return out, ErrCorrupt
		}
		if t == 0 {
			v, ok := br.bits(8)
			if !ok {
				return out, ErrCorrupt
			}
			if out >= len(dst) {
				return out, ErrTooLarge
			}
			dst[out] = byte(v)
			out++
			continue
		}
		short, ok := br.bits(1)
		if !ok {
			return out, ErrCorrupt
		}
		var off uint32
		if short == 1 {
			if off, ok = br.bits(7); !ok {
				return out, ErrCorrupt
			}
			if off == 0 {
				return out, nil // end marker
			}
		} else {
			if off, ok = br.bits(11); !ok {
				return out, ErrCorrupt
			}
			if off == 0 {
				return out, ErrCorrupt
			}
		}
		n, err := readLength(&br)
		if err != nil {
			return out, err
		}
		if int(off) > out {
			return out, ErrCorrupt
		}
		if n > len(dst)-out {
			return out, ErrTooLarge
		}
		from := out - int(off)
		for i := 0; i < n; i++ { // may overlap: byte by byte
			dst[out+i] = dst[from+i]
		}
		out += n
	}
}

func readLength(br *bitReader) (int, error) {
	v, ok := br.bits(2)
	if !ok {
		return 0, ErrCorrupt
	}
	if v < 3 {
		return int(v) + 2, nil
	}
	if v, ok = br.bits(2); !ok {
		return 0, ErrCorrupt
	}
	if v < 3 {
		return int(v) + 5, nil
	}
	n := 8
	for {
		if v, ok = br.bits(4); !ok {
			return 0, ErrCorrupt
		}
		if v != 15 {
			return n + int(v), nil
		}
		n += 15
		if n > 1<<20 { // longer than any packet: refuse to spin
			return 0, ErrTooLarge
		}
	}
}

// bitWriter writes MSB-first bits into a fixed buffer.
type bitWriter struct {
	dst  []byte
	pos  int
	acc  uint64
	nacc uint
	full bool
}

func (w *bitWriter) put(v uint32, n uint) {
	w.acc = w.acc<<n | uint64(v)&(1<<n-1)
	w.nacc += n
	for w.nacc >= 8 {
		w.nacc -= 8
		if w.pos >= len(w.dst) {
			w.full = true
			return
		}
		w.dst[w.pos] = byte(w.acc >> w.nacc)
		w.pos++
	}
}

func (w *bitWriter) putLength(n int) {
	switch {
	case n <= 4:
		w.put(uint32(n-2), 2)
	case n <= 7:
		w.put(0xc|uint32(n-5), 4)
	default:
		w.put(0xf, 4)
		n -= 8
		for n >= 15 {
			w.put(0xf, 4)
			n -= 15
		}
		w.put(uint32(n), 4)
	}
}

// Compressor holds the match-finder tables so that compressing a packet
// does not allocate. A Compressor is not safe for concurrent use; the
// output of each Compress call is an independent LZS stream.
type Compressor struct {
	head [1 << hashBits]int32
	prev []int32
}

func hash2(a, b byte) uint32 {
	return (uint32(a)<<8 | uint32(b)) * 2654435761 >> (32 - hashBits)
}

// Compress encodes src as one LZS packet into dst and returns its length.
// If the encoding does not fit in dst it returns ErrTooLarge (callers pass
// a dst no longer than what is worth sending).
func (c *Compressor) Compress(dst, src []byte) (int, error) {
	for i := range c.head {
		c.head[i] = -1
	}
	if cap(c.prev) < len(src) {
		c.prev = make([]int32, len(src))
	}
	prev := c.prev[:len(src)]
	w := bitWriter{dst: dst}
	insert := func(i int) {
		if i+1 < len(src) {
			h := hash2(src[i], src[i+1])
			prev[i] = c.head[h]
			c.head[h] = int32(i)
		}
	}
	i := 0
	for i < len(src) && !w.full {
		bestLen, bestOff := 0, 0
		if i+1 < len(src) {
			h := hash2(src[i], src[i+1])
			for j, steps := c.head[h], 0; j >= 0 && i-int(j) <= maxOffset && steps < maxChain; j, steps = prev[j], steps+1 {
				m := 0
				for i+m < len(src) && src[int(j)+m] == src[i+m] {
					m++
				}
				if m > bestLen {
					bestLen, bestOff = m, i-int(j)
					if i+m == len(src) {
						break
					}
				}
			}
		}
		if bestLen >= 2 {
			if bestOff < 128 {
				w.put(0x180|uint32(bestOff), 9)
			} else {
				w.put(0x1000|uint32(bestOff), 13)
			}
			w.putLength(bestLen)
			for k := 0; k < bestLen; k++ {
				insert(i + k)
			}
			i += bestLen
			continue
		}
		w.put(uint32(src[i]), 9)
		insert(i)
		i++
	}
	w.put(0x180, 9) // end marker
	if w.nacc > 0 {
		w.put(0, 8-w.nacc)
	}
	if w.full {
		return 0, ErrTooLarge
	}
	return w.pos, nil
}

// Compress is a convenience wrapper that uses a temporary Compressor.
func Compress(dst, src []byte) (int, error) {
	var c Compressor
	return c.Compress(dst, src)
}
