package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// DefaultTimeout bounds one key operation, as ocserv's worker does for
// sec-mod key requests.
const DefaultTimeout = ipc.KeyOpTimeout

// Remote is a private key held by sec-mod: a crypto.Signer. Keys of RSA
// certificates are returned as *RemoteRSA, which also implements
// crypto.Decrypter. (crypto/tls refuses a Decrypter whose public key is not
// RSA, so only RSA keys get one.) It is safe for concurrent use.
type Remote struct {
	path    string
	vhost   string
	keyIdx  uint32
	pub     crypto.PublicKey
	timeout time.Duration
}

// RemoteRSA is a Remote with an RSA key; it can also decrypt.
type RemoteRSA struct {
	*Remote
}

var (
	_ crypto.Signer    = (*Remote)(nil)
	_ crypto.Signer    = (*RemoteRSA)(nil)
	_ crypto.Decrypter = (*RemoteRSA)(nil)
)

// Config describes one remote key.
type Config struct {
	// SocketPath is the Unix socket of the sec-mod instance serving the
	// worker.
	SocketPath string
	// Vhost names the virtual host the key belongs to (as sec-mod's keys
	// are indexed).
	Vhost string
	// KeyIndex is the index of the server-cert / server-key pair within
	// the vhost.
	KeyIndex int
	// Public is the certificate's public key: *rsa.PublicKey,
	// *ecdsa.PublicKey or ed25519.PublicKey.
	Public crypto.PublicKey
	// Timeout bounds each operation; 0 means DefaultTimeout.
	Timeout time.Duration
}

// New returns the remote key described by cfg: a *RemoteRSA for RSA keys,
// a *Remote otherwise. Use it as tls.Certificate.PrivateKey.
func New(cfg Config) (crypto.Signer, error) {
	if cfg.SocketPath == "" {
		return nil, errors.New("signer: no sec-mod socket path")
	}
	if cfg.KeyIndex < 0 || int64(cfg.KeyIndex) > int64(^uint32(0)) {
		return nil, fmt.Errorf("signer: key index %d out of range", cfg.KeyIndex)
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	r := &Remote{path: cfg.SocketPath, vhost: cfg.Vhost, keyIdx: uint32(cfg.KeyIndex), pub: cfg.Public, timeout: cfg.Timeout}
	switch cfg.Public.(type) {
	case *rsa.PublicKey:
		return &RemoteRSA{r}, nil
	case *ecdsa.PublicKey, ed25519.PublicKey:
		return r, nil
	}
	return nil, fmt.Errorf("signer: unsupported public key type %T", cfg.Public)
}

// Public returns the certificate's public key.
func (r *Remote) Public() crypto.PublicKey { return r.pub }

// allowedHash reports whether h may be used for a digest signature; MD5SHA1
// only with RSA PKCS#1 v1.5 (TLS 1.0/1.1).
func allowedHash(h crypto.Hash) bool {
	switch h {
	case crypto.SHA1, crypto.SHA224, crypto.SHA256, crypto.SHA384, crypto.SHA512, crypto.MD5SHA1:
		return true
	}
	return false
}

// Sign asks sec-mod to sign. For RSA and ECDSA keys digest is the hash
// named by opts.HashFunc(); RSA uses PSS when opts is *rsa.PSSOptions
// (SaltLength as rsa.SignPSS understands it) and PKCS#1 v1.5 otherwise.
// For Ed25519 opts.HashFunc() must be 0 and digest is the whole message
// (Ed25519ph and contexts are not supported). rand is not used.
func (r *Remote) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if opts == nil {
		opts = crypto.Hash(0)
	}
	h := opts.HashFunc()
	op := &ipcpb.SecOp{
		KeyIdx: proto.Uint32(r.keyIdx),
		Vhost:  proto.String(r.vhost),
		Data:   digest,
		Hash:   proto.Uint32(uint32(h)),
	}
	var cmd ipc.Cmd
	switch r.pub.(type) {
	case ed25519.PublicKey:
		if h != 0 {
			return nil, fmt.Errorf("signer: Ed25519 with pre-hash %v is not supported", h)
		}
		if eo, ok := opts.(*ed25519.Options); ok && eo.Context != "" {
			return nil, errors.New("signer: Ed25519 contexts are not supported")
		}
		cmd = ipc.CmdSecSignData
	case *rsa.PublicKey:
		if !allowedHash(h) {
			return nil, fmt.Errorf("signer: RSA signature with hash %v is not supported", h)
		}
		if len(digest) != h.Size() {
			return nil, fmt.Errorf("signer: digest is %d bytes, %v needs %d", len(digest), h, h.Size())
		}
		if pss, ok := opts.(*rsa.PSSOptions); ok {
			if h == crypto.MD5SHA1 {
				return nil, errors.New("signer: RSA-PSS with MD5+SHA1 is not supported")
			}
			op.Padding = ipcpb.SignPadding_PADDING_PSS.Enum()
			op.SaltLength = proto.Int32(int32(pss.SaltLength))
			cmd = ipc.CmdSecSignHash
		} else {
			op.Padding = ipcpb.SignPadding_PADDING_PKCS1V15.Enum()
			cmd = ipc.CmdSecSignHash
			if h == crypto.MD5SHA1 {
				cmd = ipc.CmdSecSign
			}
		}
	case *ecdsa.PublicKey:
		if !allowedHash(h) || h == crypto.MD5SHA1 {
			return nil, fmt.Errorf("signer: ECDSA signature with hash %v is not supported", h)
		}
		if len(digest) != h.Size() {
			return nil, fmt.Errorf("signer: digest is %d bytes, %v needs %d", len(digest), h, h.Size())
		}
		cmd = ipc.CmdSecSignHash
	default:
		return nil, fmt.Errorf("signer: unsupported public key type %T", r.pub)
	}
	sig, err := r.call(cmd, op)
	if err != nil {
		return nil, err
	}
	if pub, ok := r.pub.(*rsa.PublicKey); ok && len(sig) != pub.Size() {
		return nil, fmt.Errorf("signer: sec-mod returned a %d-byte RSA signature, want %d", len(sig), pub.Size())
	}
	if _, ok := r.pub.(ed25519.PublicKey); ok && len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("signer: sec-mod returned a %d-byte Ed25519 signature", len(sig))
	}
	return sig, nil
}

// Decrypt asks sec-mod to decrypt an RSA PKCS#1 v1.5 ciphertext for the
// TLS RSA key exchange. opts must be *rsa.PKCS1v15DecryptOptions with
// SessionKeyLen = PremasterLen, as crypto/tls passes: sec-mod decrypts only
// in that implicit-rejection form (a padding error yields random bytes, not
// an error). Anything else (nil opts, other lengths, OAEP) is refused here.
// rand is not used.
func (r *RemoteRSA) Decrypt(_ io.Reader, msg []byte, opts crypto.DecrypterOpts) ([]byte, error) {
	pub := r.pub.(*rsa.PublicKey)
	o, ok := opts.(*rsa.PKCS1v15DecryptOptions)
	if !ok || o == nil {
		return nil, fmt.Errorf("signer: decryption options %T are not supported", opts)
	}
	if o.SessionKeyLen != PremasterLen {
		return nil, fmt.Errorf("signer: session key length %d (only %d is supported)", o.SessionKeyLen, PremasterLen)
	}
	if len(msg) != pub.Size() {
		return nil, fmt.Errorf("signer: ciphertext is %d bytes, key needs %d", len(msg), pub.Size())
	}
	op := &ipcpb.SecOp{
		KeyIdx:        proto.Uint32(r.keyIdx),
		Vhost:         proto.String(r.vhost),
		Data:          msg,
		SessionKeyLen: proto.Uint32(PremasterLen),
	}
	pt, err := r.call(ipc.CmdSecDecrypt, op)
	if err != nil {
		return nil, err
	}
	if len(pt) != PremasterLen {
		return nil, fmt.Errorf("signer: sec-mod returned a %d-byte pre-master secret, want %d", len(pt), PremasterLen)
	}
	return pt, nil
}

func (r *Remote) call(cmd ipc.Cmd, op *ipcpb.SecOp) ([]byte, error) {
	var reply ipcpb.SecOp
	if err := ipc.Request(r.path, cmd, op, cmd, &reply, r.timeout); err != nil {
		return nil, fmt.Errorf("signer: %s for key %d of vhost %q: %w", cmd, r.keyIdx, r.vhost, err)
	}
	if len(reply.GetData()) == 0 {
		return nil, fmt.Errorf("signer: %s for key %d of vhost %q: empty reply", cmd, r.keyIdx, r.vhost)
	}
	return reply.GetData(), nil
}
