// Package cstp implements the CSTP framing used inside the TLS tunnel once
// the worker has answered "HTTP/1.1 200 CONNECTED" (protocol.md §5).
//
// It runs in the worker process (and in test clients). It is pure: it only
// reads from an io.Reader and writes to an io.Writer handed to it, and never
// opens sockets, files or devices.
//
// Mirrors the framing parts of ocserv's src/worker-vpn.c (parse_cstp_data,
// the AC_PKT_* handling and the 8-byte header built before every
// cstp_send) and the AC_PKT_* constants of src/vpn.h.
//
// Wire format of one packet:
//
//	offset 0..2  'S' 'T' 'F'
//	offset 3     0x01
//	offset 4..5  payload length, big-endian, header excluded
//	offset 6     packet type
//	offset 7     0x00
//
// Each packet must leave the server as its own TLS record: use a Writer
// (one Write call per packet) on a tls.Conn with DynamicRecordSizingDisabled.
package cstp
