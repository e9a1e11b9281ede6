// Package lz4 is the "oc-lz4" CSTP/DTLS compression method: each packet is
// one raw LZ4 block (no frame header, no length prefix), as ocserv and
// openconnect exchange it. It wraps the block API of
// github.com/pierrec/lz4/v4; the compressor is the one that produces the
// same output as liblz4's LZ4_compress_default.
package lz4

import (
	"errors"

	plz4 "github.com/pierrec/lz4/v4"
)

// ErrTooLarge is returned when the block does not fit the output buffer.
var ErrTooLarge = errors.New("lz4: output does not fit")

// Compressor compresses packets; it is not safe for concurrent use.
type Compressor struct{ c plz4.CompressorCCompat }

// Compress encodes src as one LZ4 block into dst. When the block would
// not fit (incompressible input with a dst no longer than src, as ocserv
// caps it) it returns ErrTooLarge.
func (c *Compressor) Compress(dst, src []byte) (int, error) {
	n, err := c.c.CompressBlock(src, dst)
	if err != nil || n == 0 {
		return 0, ErrTooLarge
	}
	return n, nil
}

// Decompress decodes one LZ4 block from src into dst (never beyond
// len(dst)) and returns the decoded length.
func Decompress(dst, src []byte) (int, error) {
	if len(src) == 0 {
		return 0, errors.New("lz4: empty block")
	}
	n, err := plz4.UncompressBlock(src, dst)
	if err != nil {
		return 0, err
	}
	return n, nil
}
