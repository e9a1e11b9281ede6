// Package keys loads the server's certificates and private keys.
//
// Process: this package runs in ocserv's main process (only for
// `ocserv -t`, to check the configuration) and in sec-mod, which is the one
// process that holds private keys at run time. The worker process must never
// import it: workers get certificates from main and ask sec-mod to sign
// (architecture.md §6). It reads the files it is given and nothing else; it
// opens no sockets.
//
// It mirrors the key and certificate loading of ocserv's src/tlslib.c
// (certificate chains) and src/sec-mod.c (private keys with key-pin /
// pin-file), using Go's crypto/x509 instead of GnuTLS.
//
// Supported private keys: PKCS#1 RSA, SEC1 EC, PKCS#8 (RSA, ECDSA,
// Ed25519), legacy OpenSSL PEM encryption (Proc-Type/DEK-Info), and
// encrypted PKCS#8 with PBES2 (PBKDF2 with HMAC-SHA1/SHA-2, AES-CBC or
// DES-EDE3-CBC) or the PKCS#12 scheme pbeWithSHAAnd3-KeyTripleDES-CBC
// (what `certtool --pkcs-cipher 3des-pkcs12` and older OpenSSL write).
//
// The encrypted PKCS#8 decoding is written here (pkcs8.go) rather than taken
// from a module: the served module that does PBES2 (youmark/pkcs8) does not
// do the PKCS#12 3DES scheme that existing ocserv installations use, and the
// whole thing is about 200 lines on top of crypto/pbkdf2, crypto/aes and
// crypto/des.
//
// RSA-PSS keys and certificates (id-RSASSA-PSS) are recognised and refused
// with ErrRSAPSS: the worker's crypto/tls cannot make the rsa_pss_pss_*
// signatures that clients require for them.
//
// PKCS#11 (`pkcs11:`) and TPM (`tpmkey:`) key URLs are recognised and refused
// with ErrUnsupportedURL.
package keys
