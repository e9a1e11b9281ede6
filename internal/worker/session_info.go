package worker

import (
	"crypto/tls"
	"strings"
)

// describe renders the negotiated TLS parameters the way GnuTLS's
// gnutls_session_get_desc does, which is what ocserv reports to main
// (CMD_SESSION_INFO) and occtl prints, e.g.
// "(TLS1.3)-(ECDHE-SECP256R1)-(RSA-PSS-RSAE-SHA256)-(AES-256-GCM)".
func (k *tlsKeys) describe(cs tls.ConnectionState) string {
	ver := map[uint16]string{tls.VersionTLS10: "TLS1.0", tls.VersionTLS11: "TLS1.1",
		tls.VersionTLS12: "TLS1.2", tls.VersionTLS13: "TLS1.3"}[cs.Version]
	if ver == "" {
		ver = "UNKNOWN"
	}
	kx, cipher, mac := suiteParts(cs.CipherSuite)
	sig, _ := k.lastSig.Load().(string)
	if cs.Version < tls.VersionTLS13 && strings.HasPrefix(sig, "ECDSA-SECP") {
		// TLS 1.2 ECDSA schemes are not bound to a curve.
		sig = "ECDSA-" + sig[strings.LastIndexByte(sig, '-')+1:]
	}
	var b strings.Builder
	b.WriteString("(" + ver + ")")
	switch {
	case cs.Version == tls.VersionTLS13 || strings.HasPrefix(kx, "ECDHE"):
		b.WriteString("-(ECDHE-" + groupName(cs.CurveID) + ")")
	default:
		b.WriteString("-(" + kx + ")")
	}
	if sig != "" && (cs.Version == tls.VersionTLS13 || kx != "RSA") {
		b.WriteString("-(" + sig + ")")
	}
	b.WriteString("-(" + cipher + ")")
	if mac != "AEAD" {
		b.WriteString("-(" + mac + ")")
	}
	return b.String()
}

func groupName(c tls.CurveID) string {
	switch c {
	case tls.CurveP256:
		return "SECP256R1"
	case tls.CurveP384:
		return "SECP384R1"
	case tls.CurveP521:
		return "SECP521R1"
	case tls.X25519:
		return "X25519"
	case tls.X25519MLKEM768:
		return "X25519-MLKEM768"
	}
	return "UNKNOWN"
}

// suiteParts names a suite's key exchange, cipher and MAC in GnuTLS terms.
func suiteParts(id uint16) (kx, cipher, mac string) {
	switch id {
	case tls.TLS_AES_128_GCM_SHA256:
		return "", "AES-128-GCM", "AEAD"
	case tls.TLS_AES_256_GCM_SHA384:
		return "", "AES-256-GCM", "AEAD"
	case tls.TLS_CHACHA20_POLY1305_SHA256:
		return "", "CHACHA20-POLY1305", "AEAD"
	}
	name := tls.CipherSuiteName(id) // e.g. TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
	name = strings.TrimPrefix(name, "TLS_")
	k, rest, ok := strings.Cut(name, "_WITH_")
	if !ok {
		return "UNKNOWN", "UNKNOWN", "UNKNOWN"
	}
	kx = strings.ReplaceAll(k, "_", "-")
	switch {
	case strings.HasPrefix(rest, "AES_128_GCM"):
		cipher, mac = "AES-128-GCM", "AEAD"
	case strings.HasPrefix(rest, "AES_256_GCM"):
		cipher, mac = "AES-256-GCM", "AEAD"
	case strings.HasPrefix(rest, "CHACHA20_POLY1305"):
		cipher, mac = "CHACHA20-POLY1305", "AEAD"
	case strings.HasPrefix(rest, "AES_128_CBC"):
		cipher = "AES-128-CBC"
	case strings.HasPrefix(rest, "AES_256_CBC"):
		cipher = "AES-256-CBC"
	case strings.HasPrefix(rest, "3DES_EDE_CBC"):
		cipher = "3DES-CBC"
	case strings.HasPrefix(rest, "RC4_128"):
		cipher = "ARCFOUR-128"
	default:
		cipher = "UNKNOWN"
	}
	if mac == "" {
		switch {
		case strings.HasSuffix(rest, "_SHA256"):
			mac = "SHA256"
		case strings.HasSuffix(rest, "_SHA384"):
			mac = "SHA384"
		default:
			mac = "SHA1"
		}
	}
	return kx, cipher, mac
}
