package main

import (
	"crypto/x509"
	"fmt"
	"io"
	"os"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/keys"
)

// checkFiles does with the files named in a loaded configuration what
// ocserv 1.1.6's main does before it starts (and with -t):
//
//   - dh-params, ocsp-response and every server-cert file must open
//     ("error: cannot open file PATH"); a missing ocsp-response is reported
//     but is not fatal, the others are;
//   - every server-cert file must hold PEM certificates.
//
// ocserv's main never reads the private keys (sec-mod does, when the server
// starts), so `ocserv -t` accepts a missing, unreadable or mismatched key.
// We load them anyway and report problems as warnings, without changing the
// exit status, so that scripts see the same result as with ocserv. ca-cert is
// treated the same way.
//
// It reports whether the configuration may be used.
func checkFiles(cfg *config.Config, w io.Writer) bool {
	ok := true
	canOpen := func(path string) bool {
		f, err := os.Open(path)
		if err != nil {
			fmt.Fprintf(w, "error: cannot open file %s\n", path)
			return false
		}
		f.Close()
		return true
	}
	for _, v := range cfg.Vhosts {
		if v.DHParams != "" && !canOpen(v.DHParams) {
			ok = false
		}
		if v.OCSPResponse != "" {
			canOpen(v.OCSPResponse)
		}
		for _, c := range v.ServerCerts {
			if !keys.IsURL(c) && !canOpen(c) {
				ok = false
			}
		}
	}
	if !ok {
		return false
	}

	for _, v := range cfg.Vhosts {
		leafs := make([]*x509.Certificate, len(v.ServerCerts))
		vhostOK := true
		for i, c := range v.ServerCerts {
			chain, err := keys.LoadCertificates(c)
			if err != nil {
				fmt.Fprintf(w, "error: %s%v\n", vhostLabel(v), err)
				vhostOK = false
				continue
			}
			leafs[i] = chain[0]
		}
		if !vhostOK {
			ok = false
			continue
		}
		pin := keys.PIN{Value: v.KeyPin, File: v.PinFile}
		for i, k := range v.ServerKeys {
			if i >= len(leafs) {
				break // the config check already refused unequal counts
			}
			key, err := keys.LoadPrivateKey(k, pin)
			if err != nil {
				fmt.Fprintf(w, "warning: %s%v; the server will not start with this key\n", vhostLabel(v), err)
				continue
			}
			if err := keys.Match(leafs[i], key); err != nil {
				fmt.Fprintf(w, "warning: %sserver-key %s does not match server-cert %s: %v\n", vhostLabel(v), k, v.ServerCerts[i], err)
			}
		}
		if v.CACert != "" {
			if _, err := keys.LoadCertificates(v.CACert); err != nil {
				fmt.Fprintf(w, "warning: %sca-cert: %v\n", vhostLabel(v), err)
			}
		}
	}
	return ok
}

// vhostLabel is ocserv's "vhost:NAME: " message prefix; empty for the
// default server.
func vhostLabel(v *config.Vhost) string {
	if v.Name == "" || v.Name == "default" {
		return ""
	}
	return "vhost:" + v.Name + ": "
}
