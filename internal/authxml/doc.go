// Package authxml holds the worker's side of the login exchange
// (protocol.md §3): classifying the client from its User-Agent, pulling
// group / username / password out of POST bodies the way ocserv does
// (case-insensitive substring search, not an XML parser), and producing
// the server's documents and response heads byte for byte as ocserv 1.1.6
// sends them (golden files in testdata/ were captured from the real
// ocserv 1.1.6 with openconnect 9.01 requests).
//
// It runs in the worker process. It is pure: no I/O; responses are built
// as *httpwire.Response values for the caller to send.
//
// Mirrors the form/success/failure templates and read_user_pass /
// parse_reply of ocserv's src/worker-auth.c, the user-agent classification
// of src/worker-http.c, and the unescaping helpers of src/html.c.
package authxml
