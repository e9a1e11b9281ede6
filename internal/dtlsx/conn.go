package dtlsx

import (
	"time"
)

// Conn is an established DTLS channel as the worker's data path uses it:
// one Read returns one record's plaintext, one Write sends one record.
// Both *pion sessions (Session) and *dtls09.Conn satisfy it.
type Conn interface {
	Read(b []byte) (int, error)
	Write(b []byte) (int, error)
	Close() error
	SetReadDeadline(t time.Time) error
	// Overhead is the per-record cost in bytes (header, explicit IV or
	// nonce, MAC or tag, worst-case padding), for the MTU arithmetic.
	Overhead() int
	// CipherName is the GnuTLS-style description ocserv reports, e.g.
	// "(DTLS1.2)-(PSK)-(AES-256-GCM)".
	CipherName() string
}
