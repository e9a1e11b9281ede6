// Package dtlsx is the worker's glue to pion/dtls v3 for the DTLS data
// channel (protocol.md §6, dtls.md): the PSK-NEGOTIATE server (PSK from the
// CSTP TLS exporter), legacy DTLS 1.2 "resumption" of the client's master
// secret with custom RSA-GCM suites made safe against pion's full-handshake
// fall-through, the cipher-name tables ocserv uses to pick a legacy suite,
// the GnuTLS-style descriptions and record overheads, and a PacketConn that
// replays the first datagram main already read and can have its socket
// replaced after NAT rebinding.
//
// It runs in the worker (unprivileged, no private keys). The record path is
// the Conn interface, so that DTLS 0.9 (internal/dtls09) or a faster record
// layer can stand in for pion's.
package dtlsx
