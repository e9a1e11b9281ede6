// Package httpwire is the worker's small HTTP/1.x server-side layer
// (protocol.md §2). It exists because openconnect and AnyConnect need
// byte-exact header names and status lines (X-CSTP-MTU, "HTTP/1.1 200
// CONNECTED"), which net/http would canonicalise.
//
// It runs in the worker process, inside the TLS connection, before the
// tunnel starts. It is pure: it reads and writes the io.ReadWriter it is
// given and touches nothing else.
//
// Mirrors the HTTP parts of ocserv's src/worker-http.c (header callbacks,
// cookie parsing, URL length limit), src/worker.c's request loop (at most
// 16 requests per connection, keep-alive for HTTP/1.1) and the response
// heads written by src/worker-http-handlers.c and src/worker-auth.c.
//
// Header lookups: ocserv matches header names case-sensitively (a gperf
// table). Request.Get is case-insensitive for convenience; Request.Exact
// and the cookie helpers match the exact spelling, as ocserv does.
package httpwire
