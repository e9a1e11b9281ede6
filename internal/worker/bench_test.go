package worker

import (
	"bytes"
	"io"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/internal/cstp"
	"github.com/ocserv-go/ocserv/internal/tundev"
)

// BenchmarkPacketPath runs the per-packet steps of the data path with the
// worker's reused buffers: a packet read from the tun (a SOCK_SEQPACKET
// stand-in) framed as CSTP DATA in place, and a CSTP packet parsed and
// written to the tun. It must report 0 allocs/op.
func BenchmarkPacketPath(b *testing.B) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer unix.Close(fds[0])
	dev, err := tundev.NewDevice(fds[1])
	if err != nil {
		b.Fatal(err)
	}
	defer dev.Close()
	pkt := bytes.Repeat([]byte{0x45}, 1400)
	frame, _ := cstp.Append(nil, cstp.TypeData, pkt)
	wr := cstp.NewWriter(io.Discard)
	src := &repeatReader{data: frame}
	rd := cstp.NewReader(src, 16384)
	buf := make([]byte, tunBuf)
	sink := make([]byte, 2000)
	b.ReportAllocs()
	b.SetBytes(int64(2 * len(pkt)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// tun -> TLS
		if _, err := unix.Write(fds[0], pkt); err != nil {
			b.Fatal(err)
		}
		n, err := dev.ReadPacket(buf[cstp.HeaderLen:])
		if err != nil {
			b.Fatal(err)
		}
		if err := wr.WriteFrame(buf[:cstp.HeaderLen+n], cstp.TypeData); err != nil {
			b.Fatal(err)
		}
		// TLS -> tun
		p, err := rd.Next()
		if err != nil {
			b.Fatal(err)
		}
		if err := dev.WritePacket(p.Payload); err != nil {
			b.Fatal(err)
		}
		if _, err := unix.Read(fds[0], sink); err != nil {
			b.Fatal(err)
		}
	}
}

// repeatReader returns data over and over.
type repeatReader struct {
	data []byte
	off  int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	n := copy(p, r.data[r.off:])
	r.off = (r.off + n) % len(r.data)
	return n, nil
}
