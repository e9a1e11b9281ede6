// Package dtls09 is a DTLS 0.9 server: the Cisco "pre-draft" DTLS that
// AnyConnect-style clients speak (record and hello version 0x0100, OpenSSL's
// DTLS1_BAD_VER), reduced to what ocserv's legacy DTLS mode needs.
//
// It runs in the worker process (unprivileged, pure Go, no cgo). It is
// written by hand because no Go library implements DTLS 0.9: crypto/tls has
// no datagram transport and pion/dtls accepts only DTLS 1.2.
//
// Only the abbreviated (resumption) handshake exists. The client sent a
// 48-byte master secret over the TLS channel (X-DTLS-Master-Secret) and got a
// session id back (X-DTLS-Session-ID); it then "resumes" that session:
//
//	client                                   server
//	ClientHello(session_id)          -->
//	                                 <--     ServerHello(same id, suite)
//	                                 <--     ChangeCipherSpec
//	                                 <--     Finished            (epoch 1)
//	ChangeCipherSpec, Finished       -->                         (epoch 1)
//	application data                 <->                         (epoch 1)
//
// Differences from DTLS 1.0 that matter (docs: /work/shared/docs/dtls.md §5,
// pitfalls 13), all checked against a capture of ocserv 1.1.6 with
// openconnect 9 / GnuTLS in testdata/:
//
//   - version 0x0100 in the record header and in both hellos;
//   - the handshake hash covers the handshake bodies without the 12-byte
//     DTLS handshake header, as TLS would;
//   - ChangeCipherSpec is 3 bytes (1 and a 2-byte message_seq) and uses up a
//     message_seq: ServerHello 0, ChangeCipherSpec 1, Finished 2;
//   - TLS 1.0 PRF (P_MD5 xor P_SHA1) for the key block and Finished;
//   - CBC records with an explicit IV, HMAC-SHA1 over
//     epoch‖seq‖type‖0x0100‖length‖data, TLS padding.
//
// The server sends its flight as three datagrams, as GnuTLS does, and echoes
// record_size_limit(16384) when the client offered it (GnuTLS does too);
// otherwise the ServerHello carries no extensions.
//
// Mirrors the DTLS 0.9 parts of ocserv's src/worker-vpn.c (the resumed
// GnuTLS session with the client's master secret) and GnuTLS's DTLS 0.9
// record and handshake code; no code is taken from either.
package dtls09
