package ipc

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// HeaderLen is the size of a frame header: command byte + uint32 length.
const HeaderLen = 5

// Body size limits (architecture.md §4.1).
const (
	// MaxMsgSize bounds bodies between main and workers, workers and
	// sec-mod, and main and sec-mod (ocserv's MAX_MSG_SIZE, 16 KiB).
	MaxMsgSize = 16 * 1024
	// MaxCtlRequest bounds occtl requests read by main.
	MaxCtlRequest = 256
)

// Timeouts used by ocserv (architecture.md §4.1).
const (
	// BodyTimeout is how long a receiver waits for the rest of a frame
	// once its header arrived, when no overall timeout was given (main
	// reading from a worker: MAX_WAIT_SECS).
	BodyTimeout = 3 * time.Second
	// SecModTimeout bounds main <-> sec-mod exchanges
	// (MAIN_SEC_MOD_TIMEOUT).
	SecModTimeout = 120 * time.Second
	// KeyOpTimeout bounds a worker's key, resumption and ban requests.
	KeyOpTimeout = 10 * time.Second
)

var (
	// ErrTooLarge is returned (wrapped) when a frame announces a body
	// larger than the receiver's limit.
	ErrTooLarge = errors.New("ipc: message body too large")
	// ErrTruncated is returned (wrapped) when a buffer or stream ends
	// inside a frame.
	ErrTruncated = errors.New("ipc: truncated message")
)

// AppendFrame appends the frame for cmd and body to dst.
func AppendFrame(dst []byte, cmd Cmd, body []byte) []byte {
	dst = append(dst, byte(cmd))
	dst = binary.NativeEndian.AppendUint32(dst, uint32(len(body)))
	return append(dst, body...)
}

// ParseHeader splits a frame header (at least HeaderLen bytes).
func ParseHeader(hdr []byte) (Cmd, uint32) {
	return Cmd(hdr[0]), binary.NativeEndian.Uint32(hdr[1:HeaderLen])
}

// ParseFrame decodes the first frame of buf. body aliases buf; n is the
// number of bytes the frame used. Bodies longer than max are refused with
// ErrTooLarge, a buffer ending inside the frame with ErrTruncated. The
// command is not checked (see NewMessage / Decode).
func ParseFrame(buf []byte, max int) (cmd Cmd, body []byte, n int, err error) {
	if len(buf) < HeaderLen {
		return 0, nil, 0, fmt.Errorf("%w: %d header bytes", ErrTruncated, len(buf))
	}
	cmd, l := ParseHeader(buf)
	if uint64(l) > uint64(max) {
		return cmd, nil, 0, fmt.Errorf("%w: %s announces %d bytes, limit %d", ErrTooLarge, cmd, l, max)
	}
	end := HeaderLen + int(l)
	if len(buf) < end {
		return cmd, nil, 0, fmt.Errorf("%w: %s body has %d of %d bytes", ErrTruncated, cmd, len(buf)-HeaderLen, l)
	}
	return cmd, buf[HeaderLen:end], end, nil
}
