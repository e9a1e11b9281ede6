package secmod

import (
	"crypto"
	"fmt"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/keys"
	"github.com/ocserv-go/ocserv/internal/signer"
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
