package secmod

import (
	"crypto"
	"crypto/tls"
	"fmt"
	"strings"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/keys"
	"github.com/ocserv-go/ocserv/internal/signer"
	"github.com/ocserv-go/ocserv/internal/tlsprio"
)

// loadKeys loads the private key of every server-key of every vhost with
// the vhost's key-pin / pin-file (sec-mod.c load_keys). Keys are indexed by
// vhost name and position.
func loadKeys(cfg *config.Config) (signer.Keys, error) {
	out := make(signer.Keys)
	for _, v := range cfg.Vhosts {
		pin := keys.PIN{Value: v.KeyPin, File: v.PinFile}
		for i, path := range v.ServerKeys {
			k, err := keys.LoadPrivateKey(path, pin)
			if err != nil {
				return nil, fmt.Errorf("vhost %s: error loading server-key %s: %w", v.Name, path, err)
			}
			out[signer.KeyID{Vhost: v.Name, Index: uint32(i)}] = k
		}
	}
	return out, nil
}

// reloadKeys loads the keys for a reloaded configuration cfg, with each
// vhost's server-key files, key-pin and pin-file taken from the running
// configuration old (matched as main matches them: by name, else the
// default server). They are start-up options, as server-cert is (ocserv's
// perm_config; main keeps the certificate files in keepStartupOptions): a
// reload reads the same files again, so a rotated key is picked up, but
// never switches to other files, whose keys would no longer belong to the
// certificates main hands the workers (a worker would ask, say, for an RSA
// signature from an ECDSA key, failing every handshake). cfg is changed in
// place so that sec-mod's configuration names the files it uses.
func reloadKeys(cfg, old *config.Config) (signer.Keys, error) {
	if old != nil {
		for _, nv := range cfg.Vhosts {
			ov := old.FindVhost(nv.Name)
			nv.ServerKeys = ov.ServerKeys
			nv.KeyPin, nv.PinFile = ov.KeyPin, ov.PinFile
		}
	}
	return loadKeys(cfg)
}

// keySource serves key operations from the current keys; an unknown vhost
// name falls back to the default server, as ocserv's vhost lookup does.
type keySource struct{ s *Server }

func (k keySource) Key(vhost string, idx uint32) (crypto.Signer, bool) {
	s := k.s
	s.mu.Lock()
	ks, cfg := s.keys, s.cfg
	s.mu.Unlock()
	if key, ok := ks[signer.KeyID{Vhost: vhost, Index: idx}]; ok {
		return key, true
	}
	name := cfg.FindVhost(vhost).Name
	key, ok := ks[signer.KeyID{Vhost: name, Index: idx}]
	return key, ok
}

// RSAKeyExchange implements signer.RSAKeyExchanger: sec-mod decrypts for a
// worker only when the vhost's tls-priorities enable a TLS RSA
// key-exchange suite (the only use of CMD_SEC_DECRYPT).
func (k keySource) RSAKeyExchange(vhost string) bool {
	s := k.s
	s.mu.Lock()
	rsaKx, cfg := s.rsaKx, s.cfg
	s.mu.Unlock()
	return rsaKx[cfg.FindVhost(vhost).Name]
}

// rsaKeyExchangeVhosts returns, by vhost name, whether its tls-priorities
// enable a TLS 1.0-1.2 suite with RSA key exchange (as the worker applies
// them through tlsprio). A string that does not parse enables nothing.
func rsaKeyExchangeVhosts(cfg *config.Config) map[string]bool {
	out := make(map[string]bool, len(cfg.Vhosts))
	for _, v := range cfg.Vhosts {
		set, _, err := tlsprio.Parse(v.TLSPriorities)
		if err != nil || (set.MinVersion != 0 && set.MinVersion > tls.VersionTLS12) {
			continue
		}
		for _, id := range set.CipherSuites {
			if isRSAKeyExchange(id) {
				out[v.Name] = true
				break
			}
		}
	}
	return out
}

// isRSAKeyExchange reports whether the Go cipher suite id uses the RSA key
// exchange (TLS_RSA_WITH_*).
func isRSAKeyExchange(id uint16) bool {
	name := tls.CipherSuiteName(id)
	return strings.HasPrefix(name, "TLS_RSA_")
}
