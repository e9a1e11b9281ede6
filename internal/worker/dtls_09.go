package worker

import (
	"context"
	"fmt"
	"net"
	"time"

	"github.com/ocserv-go/ocserv/internal/dtls09"
	"github.com/ocserv-go/ocserv/internal/dtlsx"
)

// DTLS 0.9 (AES128-SHA, AES256-SHA, DES-CBC3-SHA) is served by
// internal/dtls09 through the dtls09Server hook of dtls.go.
func init() { dtls09Server = serveDTLS09 }

var _ dtlsx.Conn = (*dtls09.Conn)(nil)

func serveDTLS09(ctx context.Context, d *dtlsState, pc *dtlsx.PacketConn, first []byte) (dtlsx.Conn, error) {
	suite, ok := dtls09.SuiteByName(d.legacy.Name)
	if !ok {
		return nil, fmt.Errorf("DTLS 0.9: unknown suite %q", d.legacy.Name)
	}
	if len(first) > 0 {
		// pc replays the ClientHello on its first read; dtls09 takes it
		// as an argument instead.
		if _, _, err := pc.ReadFrom(make([]byte, len(first))); err != nil {
			return nil, fmt.Errorf("DTLS 0.9: %w", err)
		}
	}
	c, err := dtls09.ServerContext(ctx, packetConn09{pc}, first, dtls09.Config{
		SessionID:        d.id,
		MasterSecret:     d.master,
		Suite:            suite,
		MTU:              d.linkMTU - d.ipOver - 8,
		HandshakeTimeout: dtlsHandshakeTimeout,
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// packetConn09 gives dtls09 the net.Conn view (one datagram per Read and
// Write) of the worker's replaceable UDP socket, so NAT rebinding works
// for DTLS 0.9 too.
type packetConn09 struct{ *dtlsx.PacketConn }

var _ net.Conn = packetConn09{}

func (p packetConn09) Read(b []byte) (int, error) {
	n, _, err := p.ReadFrom(b)
	return n, err
}

func (p packetConn09) Write(b []byte) (int, error) { return p.WriteTo(b, nil) }

func (p packetConn09) SetDeadline(t time.Time) error { return p.SetReadDeadline(t) }
