package keys

import (
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/des"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"unicode/utf16"
)

var (
	oidRSAPSS = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}

	oidPBES2  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13}
	oidPBKDF2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}
	// pbeWithSHAAnd3-KeyTripleDES-CBC (PKCS#12 PBE, RFC 7292 appendix C).
	oidPKCS12SHA3DES = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3}

	oidHMACSHA1   = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 7}
	oidHMACSHA224 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 8}
	oidHMACSHA256 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}
	oidHMACSHA384 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 10}
	oidHMACSHA512 = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 11}

	oidAES128CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 2}
	oidAES192CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 22}
	oidAES256CBC  = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}
	oidDESEDE3CBC = asn1.ObjectIdentifier{1, 2, 840, 113549, 3, 7}
)

type encryptedPrivateKeyInfo struct {
	Algo pkix.AlgorithmIdentifier
	Data []byte
}

type pbes2Params struct {
	KDF    pkix.AlgorithmIdentifier
	Scheme pkix.AlgorithmIdentifier
}

type pbkdf2Params struct {
	Salt   []byte
	Iter   int
	KeyLen int                      `asn1:"optional"`
	PRF    pkix.AlgorithmIdentifier `asn1:"optional"`
}

type pkcs12PBEParams struct {
	Salt []byte
	Iter int
}

type pkcs8Info struct {
	Version    int
	Algo       pkix.AlgorithmIdentifier
	PrivateKey []byte
}

type spkiInfo struct {
	Algo      pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// maxIterations bounds the KDF work a hostile key file can ask for.
const maxIterations = 10_000_000

// parsePKCS8 decodes an unencrypted PKCS#8 key. RSA-PSS keys, which
// crypto/x509 does not know, are recognised and refused with ErrRSAPSS.
func parsePKCS8(der []byte) (crypto.Signer, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err == nil {
		s, ok := k.(crypto.Signer)
		if !ok {
			return nil, fmt.Errorf("%w: %T", ErrUnsupportedKey, k)
		}
		return s, nil
	}
	var info pkcs8Info
	if _, err2 := asn1.Unmarshal(der, &info); err2 == nil && info.Algo.Algorithm.Equal(oidRSAPSS) {
		return nil, ErrRSAPSS
	}
	return nil, fmt.Errorf("parsing PKCS#8 private key: %w", err)
}

// isRSAPSS reports whether a DER SubjectPublicKeyInfo has the algorithm
// id-RSASSA-PSS.
func isRSAPSS(spki []byte) bool {
	var info spkiInfo
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		return false
	}
	return info.Algo.Algorithm.Equal(oidRSAPSS)
}

// decryptPKCS8 decrypts an EncryptedPrivateKeyInfo (RFC 5208/5958) and
// returns the inner PrivateKeyInfo DER.
func decryptPKCS8(der, password []byte) ([]byte, error) {
	var info encryptedPrivateKeyInfo
	if _, err := asn1.Unmarshal(der, &info); err != nil {
		return nil, fmt.Errorf("parsing encrypted PKCS#8 key: %w", err)
	}
	var (
		block cipher.Block
		iv    []byte
		err   error
	)
	switch {
	case info.Algo.Algorithm.Equal(oidPBES2):
		block, iv, err = pbes2Cipher(info.Algo.Parameters.FullBytes, password)
	case info.Algo.Algorithm.Equal(oidPKCS12SHA3DES):
		block, iv, err = pkcs12Cipher(info.Algo.Parameters.FullBytes, password)
	default:
		return nil, fmt.Errorf("%w: PKCS#8 encryption scheme %v", ErrUnsupportedKey, info.Algo.Algorithm)
	}
	if err != nil {
		return nil, err
	}
	return cbcDecrypt(block, iv, info.Data)
}

func pbes2Cipher(params, password []byte) (cipher.Block, []byte, error) {
	var p pbes2Params
	if _, err := asn1.Unmarshal(params, &p); err != nil {
		return nil, nil, fmt.Errorf("parsing PBES2 parameters: %w", err)
	}
	if !p.KDF.Algorithm.Equal(oidPBKDF2) {
		return nil, nil, fmt.Errorf("%w: PBES2 key derivation %v (only PBKDF2)", ErrUnsupportedKey, p.KDF.Algorithm)
	}
	var kp pbkdf2Params
	if _, err := asn1.Unmarshal(p.KDF.Parameters.FullBytes, &kp); err != nil {
		return nil, nil, fmt.Errorf("parsing PBKDF2 parameters: %w", err)
	}
	if kp.Iter <= 0 || kp.Iter > maxIterations {
		return nil, nil, fmt.Errorf("%w: PBKDF2 iteration count %d", ErrUnsupportedKey, kp.Iter)
	}
	var prf func() hash.Hash
	switch alg := kp.PRF.Algorithm; {
	case len(alg) == 0 || alg.Equal(oidHMACSHA1):
		prf = sha1.New
	case alg.Equal(oidHMACSHA224):
		prf = sha256.New224
	case alg.Equal(oidHMACSHA256):
		prf = sha256.New
	case alg.Equal(oidHMACSHA384):
		prf = sha512.New384
	case alg.Equal(oidHMACSHA512):
		prf = sha512.New
	default:
		return nil, nil, fmt.Errorf("%w: PBKDF2 PRF %v", ErrUnsupportedKey, alg)
	}
	var (
		keyLen  int
		newCiph func([]byte) (cipher.Block, error)
	)
	switch alg := p.Scheme.Algorithm; {
	case alg.Equal(oidAES128CBC):
		keyLen, newCiph = 16, aes.NewCipher
	case alg.Equal(oidAES192CBC):
		keyLen, newCiph = 24, aes.NewCipher
	case alg.Equal(oidAES256CBC):
		keyLen, newCiph = 32, aes.NewCipher
	case alg.Equal(oidDESEDE3CBC):
		keyLen, newCiph = 24, des.NewTripleDESCipher
	default:
		return nil, nil, fmt.Errorf("%w: PBES2 cipher %v", ErrUnsupportedKey, alg)
	}
	if kp.KeyLen != 0 && kp.KeyLen != keyLen {
		return nil, nil, fmt.Errorf("%w: PBKDF2 key length %d for a %d-byte key", ErrUnsupportedKey, kp.KeyLen, keyLen)
	}
	var iv []byte
	if _, err := asn1.Unmarshal(p.Scheme.Parameters.FullBytes, &iv); err != nil {
		return nil, nil, fmt.Errorf("parsing PBES2 IV: %w", err)
	}
	key, err := pbkdf2.Key(prf, string(password), kp.Salt, kp.Iter, keyLen)
	if err != nil {
		return nil, nil, fmt.Errorf("deriving key: %w", err)
	}
	block, err := newCiph(key)
	if err != nil {
		return nil, nil, err
	}
	return block, iv, nil
}

func pkcs12Cipher(params, password []byte) (cipher.Block, []byte, error) {
	var p pkcs12PBEParams
	if _, err := asn1.Unmarshal(params, &p); err != nil {
		return nil, nil, fmt.Errorf("parsing PKCS#12 PBE parameters: %w", err)
	}
	if p.Iter <= 0 || p.Iter > maxIterations {
		return nil, nil, fmt.Errorf("%w: PKCS#12 iteration count %d", ErrUnsupportedKey, p.Iter)
	}
	pw := bmpString(string(password))
	key := pkcs12KDF(pw, p.Salt, p.Iter, 1, 24)
	iv := pkcs12KDF(pw, p.Salt, p.Iter, 2, 8)
	block, err := des.NewTripleDESCipher(key)
	if err != nil {
		return nil, nil, err
	}
	return block, iv, nil
}

// bmpString is the PKCS#12 password encoding: UTF-16BE plus a 0x0000
// terminator.
func bmpString(s string) []byte {
	u := utf16.Encode([]rune(s))
	out := make([]byte, 0, 2*len(u)+2)
	for _, c := range u {
		out = append(out, byte(c>>8), byte(c))
	}
	return append(out, 0, 0)
}

// pkcs12KDF is the key derivation of RFC 7292 appendix B.2 with SHA-1
// (u = 20, v = 64). id is 1 for key material, 2 for the IV.
func pkcs12KDF(password, salt []byte, iter int, id byte, n int) []byte {
	const u, v = 20, 64
	fill := func(src []byte) []byte {
		if len(src) == 0 {
			return nil
		}
		out := make([]byte, v*((len(src)+v-1)/v))
		for i := range out {
			out[i] = src[i%len(src)]
		}
		return out
	}
	d := make([]byte, v)
	for i := range d {
		d[i] = id
	}
	in := append(fill(salt), fill(password)...)
	var out []byte
	for len(out) < n {
		h := sha1.New()
		h.Write(d)
		h.Write(in)
		a := h.Sum(nil)
		for r := 1; r < iter; r++ {
			s := sha1.Sum(a)
			a = s[:]
		}
		out = append(out, a...)
		if len(out) >= n {
			break
		}
		// B = A repeated to v bytes; each v-byte block of I becomes
		// (I_j + B + 1) mod 2^(8v).
		b := make([]byte, v)
		for i := range b {
			b[i] = a[i%u]
		}
		for j := 0; j < len(in); j += v {
			carry := 1
			for k := v - 1; k >= 0; k-- {
				sum := int(in[j+k]) + int(b[k]) + carry
				in[j+k] = byte(sum)
				carry = sum >> 8
			}
		}
	}
	return out[:n]
}

func cbcDecrypt(block cipher.Block, iv, data []byte) ([]byte, error) {
	bs := block.BlockSize()
	if len(iv) != bs {
		return nil, fmt.Errorf("%w: IV length %d", ErrUnsupportedKey, len(iv))
	}
	if len(data) == 0 || len(data)%bs != 0 {
		return nil, errors.New("encrypted key data is not a whole number of blocks")
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(block, iv).CryptBlocks(out, data)
	pad := int(out[len(out)-1])
	if pad == 0 || pad > bs {
		return nil, ErrIncorrectPassword
	}
	want := make([]byte, pad)
	for i := range want {
		want[i] = byte(pad)
	}
	if subtle.ConstantTimeCompare(out[len(out)-pad:], want) != 1 {
		return nil, ErrIncorrectPassword
	}
	return out[:len(out)-pad], nil
}
