package signer

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	_ "crypto/sha1" // hashes a SIGN_DATA request may name
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// PremasterLen is the only session_key_len sec-mod decrypts with: the size
// of a TLS RSA key-exchange pre-master secret. Decryption is always done in
// the implicit-rejection form (a padding error gives random bytes of this
// length, on the same path as a good ciphertext), so that the reply tells a
// worker nothing about the padding (no Bleichenbacher oracle).
const PremasterLen = 48

// maxSaltLen bounds an explicit RSA-PSS salt length.
const maxSaltLen = 1024

// KeySource gives sec-mod's loaded private keys by vhost name and index of
// the server-cert / server-key pair within that vhost.
type KeySource interface {
	Key(vhost string, idx uint32) (crypto.Signer, bool)
}

// RSAKeyExchanger is implemented by a KeySource that allows CMD_SEC_DECRYPT:
// RSAKeyExchange reports whether the vhost (named as in the request) has a
// TLS RSA key-exchange suite enabled. A KeySource without it never
// decrypts (fail closed).
type RSAKeyExchanger interface {
	RSAKeyExchange(vhost string) bool
}

// WithRSAKeyExchange returns src with decryption allowed for the vhosts
// allow accepts (the caller's reading of tls-priorities).
func WithRSAKeyExchange(src KeySource, allow func(vhost string) bool) KeySource {
	return rsaKx{src, allow}
}

type rsaKx struct {
	KeySource
	allow func(string) bool
}

func (k rsaKx) RSAKeyExchange(vhost string) bool { return k.allow != nil && k.allow(vhost) }

// KeyID names one server key.
type KeyID struct {
	Vhost string
	Index uint32
}

// Keys is a KeySource backed by a map.
type Keys map[KeyID]crypto.Signer

// Key implements KeySource.
func (k Keys) Key(vhost string, idx uint32) (crypto.Signer, bool) {
	s, ok := k[KeyID{vhost, idx}]
	return s, ok
}

// ErrRejected is wrapped by every error Handle returns for a request it
// refuses (as opposed to a failure of the key itself).
var ErrRejected = errors.New("signer: request rejected")

func reject(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrRejected, fmt.Sprintf(format, a...))
}

// Handle performs the key operation cmd (one of the ipc key-operation
// commands, see ipc.Cmd.IsKeyOp) described by req with the keys of src,
// and returns the reply to send back with the same command. It validates
// the key index and vhost, that the hash / padding / command combination
// fits the key type, and the input length:
//
//   - CMD_SEC_SIGN_HASH: RSA (PKCS#1 v1.5 or PSS) or ECDSA over a digest of
//     SHA-1 / SHA-224 / SHA-256 / SHA-384 / SHA-512.
//   - CMD_SEC_SIGN: RSA PKCS#1 v1.5 over a 36-byte MD5+SHA-1 digest (TLS
//     1.0/1.1); hash 0 is taken as MD5+SHA-1.
//   - CMD_SEC_SIGN_DATA: Ed25519 over the whole message (hash 0); for RSA
//     and ECDSA keys the message is first hashed with the named hash.
//   - CMD_SEC_DECRYPT: RSA PKCS#1 v1.5 of exactly the modulus size, only
//     when src is an RSAKeyExchanger allowing the vhost and only with
//     session_key_len = PremasterLen; the reply is always PremasterLen
//     bytes (random ones for a bad padding).
func Handle(src KeySource, cmd ipc.Cmd, req *ipcpb.SecOp) (*ipcpb.SecOp, error) {
	if !cmd.IsKeyOp() {
		return nil, reject("%s is not a key operation", cmd)
	}
	key, ok := src.Key(req.GetVhost(), req.GetKeyIdx())
	if !ok || key == nil {
		return nil, reject("no key %d in vhost %q", req.GetKeyIdx(), req.GetVhost())
	}
	data := req.GetData()
	var out []byte
	var err error
	switch cmd {
	case ipc.CmdSecDecrypt:
		if kx, ok := src.(RSAKeyExchanger); !ok || !kx.RSAKeyExchange(req.GetVhost()) {
			return nil, reject("no RSA key exchange is enabled for vhost %q", req.GetVhost())
		}
		out, err = decrypt(key, req)
	case ipc.CmdSecSign:
		h := crypto.Hash(req.GetHash())
		if h == 0 {
			h = crypto.MD5SHA1
		}
		if _, isRSA := key.Public().(*rsa.PublicKey); !isRSA || h != crypto.MD5SHA1 {
			return nil, reject("%s needs an RSA key and MD5+SHA1, have %T and %v", cmd, key.Public(), h)
		}
		if req.GetPadding() == ipcpb.SignPadding_PADDING_PSS {
			return nil, reject("%s is PKCS#1 v1.5 only", cmd)
		}
		out, err = signDigest(key, h, data, req)
	case ipc.CmdSecSignHash:
		h := crypto.Hash(req.GetHash())
		if h == crypto.MD5SHA1 {
			return nil, reject("MD5+SHA1 digests go with %s", ipc.CmdSecSign)
		}
		out, err = signDigest(key, h, data, req)
	case ipc.CmdSecSignData:
		h := crypto.Hash(req.GetHash())
		if _, isEd := key.Public().(ed25519.PublicKey); isEd {
			if h != 0 || req.GetPadding() != ipcpb.SignPadding_PADDING_DEFAULT {
				return nil, reject("Ed25519 signs the message itself (hash %v, padding %v given)", h, req.GetPadding())
			}
			out, err = key.Sign(rand.Reader, data, crypto.Hash(0))
			break
		}
		if h == crypto.MD5SHA1 || !allowedHash(h) || !h.Available() {
			return nil, reject("%s with hash %v", cmd, h)
		}
		d := h.New()
		d.Write(data)
		out, err = signDigest(key, h, d.Sum(nil), req)
	}
	if err != nil {
		return nil, err
	}
	return &ipcpb.SecOp{Data: out}, nil
}

func signDigest(key crypto.Signer, h crypto.Hash, digest []byte, req *ipcpb.SecOp) ([]byte, error) {
	if !allowedHash(h) {
		return nil, reject("hash %v not allowed", h)
	}
	if len(digest) != h.Size() {
		return nil, reject("digest is %d bytes, %v needs %d", len(digest), h, h.Size())
	}
	var opts crypto.SignerOpts = h
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		switch req.GetPadding() {
		case ipcpb.SignPadding_PADDING_PKCS1V15:
		case ipcpb.SignPadding_PADDING_PSS:
			if h == crypto.MD5SHA1 {
				return nil, reject("RSA-PSS with MD5+SHA1")
			}
			salt := int(req.GetSaltLength())
			if salt < rsa.PSSSaltLengthEqualsHash || salt > maxSaltLen || salt > pub.Size()-h.Size()-2 {
				return nil, reject("RSA-PSS salt length %d", salt)
			}
			opts = &rsa.PSSOptions{SaltLength: salt, Hash: h}
		default:
			if h != crypto.MD5SHA1 {
				return nil, reject("RSA signature without a padding")
			}
		}
	case *ecdsa.PublicKey:
		if h == crypto.MD5SHA1 || req.GetPadding() != ipcpb.SignPadding_PADDING_DEFAULT {
			return nil, reject("ECDSA with hash %v, padding %v", h, req.GetPadding())
		}
	default:
		return nil, reject("%T keys cannot sign a digest", pub)
	}
	sig, err := key.Sign(rand.Reader, digest, opts)
	if err != nil {
		return nil, fmt.Errorf("signer: signing: %w", err)
	}
	return sig, nil
}

// decrypt is the TLS RSA key exchange's decryption in the implicit-rejection
// form only: the answer is PremasterLen bytes whatever the padding, and a
// strict (error-on-bad-padding) decryption is never offered.
func decrypt(key crypto.Signer, req *ipcpb.SecOp) ([]byte, error) {
	pub, ok := key.Public().(*rsa.PublicKey)
	dec, canDecrypt := key.(crypto.Decrypter)
	if !ok || !canDecrypt {
		return nil, reject("key %T cannot decrypt", key.Public())
	}
	if len(req.GetData()) != pub.Size() {
		return nil, reject("ciphertext is %d bytes, key needs %d", len(req.GetData()), pub.Size())
	}
	if req.SessionKeyLen == nil || req.GetSessionKeyLen() != PremasterLen {
		return nil, reject("session key length %d (only %d, with implicit rejection)", req.GetSessionKeyLen(), PremasterLen)
	}
	out := make([]byte, PremasterLen)
	if _, err := rand.Read(out); err != nil {
		return nil, fmt.Errorf("signer: random pre-master: %w", err)
	}
	pt, err := dec.Decrypt(rand.Reader, req.GetData(), &rsa.PKCS1v15DecryptOptions{SessionKeyLen: PremasterLen})
	// Whatever the outcome, the worker gets PremasterLen bytes: the
	// plaintext when it decrypted to that size, else the random ones.
	good := 0
	if err == nil && len(pt) == PremasterLen {
		good = 1
	} else {
		pt = make([]byte, PremasterLen)
	}
	subtle.ConstantTimeCopy(good, out, pt)
	return out, nil
}

// ServeConn serves one key-operation request on c, as sec-mod does for each
// accepted worker connection: read a frame within timeout, run Handle, and
// send the reply with the request's command. On any error nothing is sent
// and the error is returned; the caller closes c either way. Frames that
// are not key operations are refused (a sec-mod dispatching several kinds
// of requests reads the frame itself and calls Handle).
func ServeConn(c *net.UnixConn, src KeySource, timeout time.Duration) error {
	f, err := ipc.Recv(c, ipc.MaxMsgSize, timeout)
	if err != nil {
		return fmt.Errorf("signer: reading request: %w", err)
	}
	f.Close()
	return ServeFrame(c, src, f.Cmd, f.Body, timeout)
}

// ServeFrame decodes body as the request of key operation cmd, runs Handle
// and writes the reply to c within timeout.
func ServeFrame(c *net.UnixConn, src KeySource, cmd ipc.Cmd, body []byte, timeout time.Duration) error {
	if !cmd.IsKeyOp() {
		return reject("%s is not a key operation", cmd)
	}
	var req ipcpb.SecOp
	if err := proto.Unmarshal(body, &req); err != nil {
		return reject("decoding %s: %v", cmd, err)
	}
	rep, err := Handle(src, cmd, &req)
	if err != nil {
		return err
	}
	if timeout > 0 {
		c.SetWriteDeadline(time.Now().Add(timeout))
		defer c.SetWriteDeadline(time.Time{})
	}
	return ipc.Send(c, cmd, rep, -1)
}
