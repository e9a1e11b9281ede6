// Package worker is the per-client process of ocserv-go (ocserv-worker): it
// terminates TLS on the TCP connection main accepted, serves the HTTP/XML
// login (asking sec-mod to authenticate), turns the session cookie into a
// tunnel by asking main (AUTH_COOKIE_REQ on the cmd socket) and then moves IP
// packets between the tun descriptor main passed and CSTP packets inside the
// TLS stream.
//
// It runs in the worker process, unprivileged (run-as-user). It touches only
// the client connection and the cmd socket it inherited, the tun descriptor it
// receives from main, and the sec-mod Unix socket, on which it opens one
// connection per request. It never reads a key or a password file; the
// configuration comes from the snapshot bytes in the start-up message,
// which main passes in a sealed memfd. Every write to the client has a
// deadline: a client that stops reading loses its session, it never pins
// the worker.
//
// It mirrors ocserv's src/worker.c (start-up, request loop),
// src/worker-http.c (header handling), src/worker-http-handlers.c (static
// pages, certificates), src/worker-auth.c (login, cookie) and
// src/worker-vpn.c (TLS set-up, CONNECT response, CSTP data path, timers).
//
// Files by stage: run.go (start-up and the connection's life),
// tlsconf.go (certificates, SNI, priorities), session_info.go (GnuTLS
// cipher naming), http.go (request loop and URL table), auth.go (login),
// connect.go (cookie to tunnel and the CONNECT response), mtu.go, tunnel.go
// (CSTP data path, timers, statistics), dtls.go, dtls_path.go and
// dtls_09.go (the UDP channel), compress.go (LZS, LZ4), bandwidth.go
// (rx/tx-data-per-sec).
package worker
