// Package signer performs the server's private-key operations for a
// worker without the worker ever holding the key (architecture.md §6).
//
// It has two halves:
//
//   - New (Remote, RemoteRSA) runs in the worker process. It gives a
//     crypto.Signer for a certificate's public key (for RSA keys also a
//     crypto.Decrypter, for TLS RSA key exchange) and forwards each
//     operation to sec-mod as a CMD_SEC_SIGN / CMD_SEC_SIGN_HASH /
//     CMD_SEC_SIGN_DATA / CMD_SEC_DECRYPT request, over a new Unix
//     connection per request (as ocserv does), bounded by a timeout. Put it
//     in tls.Certificate.PrivateKey.
//   - Handle (and ServeConn) runs in sec-mod. Given the loaded keys it
//     validates a request (key index, vhost, hash, padding, input length)
//     and performs it with the real crypto.Signer. A worker is not
//     trusted: decryption is served only when the KeySource says the
//     vhost has a TLS RSA key exchange enabled (RSAKeyExchanger), and only
//     in the TLS implicit-rejection form (PremasterLen bytes back whatever
//     the padding), so sec-mod is no Bleichenbacher padding oracle.
//
// The package touches only the sec-mod socket (worker side) or the
// connection and keys it is handed (sec-mod side). It never reads key
// files: the worker is built with CGO_ENABLED=0 and must not link key
// loading, which lives in internal/keys and is used by sec-mod only.
//
// It mirrors ocserv's src/tlslib.c (the GnuTLS external-key callbacks in
// the worker) and src/sec-mod.c (the key-operation handlers).
package signer
