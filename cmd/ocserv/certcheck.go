package main

import (
	"crypto/x509"
	"fmt"
	"io"
	"os"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/crl"
	"github.com/ocserv-go/ocserv/internal/keys"
)

// checkVhostFiles does with the files named by one vhost what ocserv
// 1.1.6's main does when it loads a configuration (and so with -t); it is
// config.LoadOptions.LoadFiles, so its messages come at the same point as
// ocserv's:
//
//   - dh-params and every server-cert file must open ("error: cannot open
//     file PATH"); a missing ocsp-response is reported but is not fatal;
//   - every server-cert file must hold PEM certificates;
//   - with client certificates requested, the crl file must be readable and
//     hold revocation lists, PEM or DER (ocserv exits 1 here without a
//     message; we name the file and the reason).
//
// Beyond ocserv: ocserv's main never reads the private keys, so its -t
// accepts a missing, unreadable or mismatched server-key and the server then
// fails every handshake. We load each key (with key-pin / pin-file) and
// check that it matches its certificate, and refuse the configuration when
// it does not (docs/compat.md). ca-cert problems are warnings, as ocserv -t
// accepts them.
func checkVhostFiles(v *config.Vhost, w io.Writer) error {
	fail := func(msg string) error { return &config.Error{Msg: msg, ExitCode: 1} }
	canOpen := func(path string) bool {
		f, err := os.Open(path)
		if err != nil {
			return false
		}
		f.Close()
		return true
	}
	if v.DHParams != "" && !canOpen(v.DHParams) {
		return fail("error: cannot open file " + v.DHParams)
	}
	if v.OCSPResponse != "" && !canOpen(v.OCSPResponse) {
		fmt.Fprintf(w, "error: cannot open file %s\n", v.OCSPResponse)
	}
	for _, c := range v.ServerCerts {
		if !keys.IsURL(c) && !canOpen(c) {
			return fail("error: cannot open file " + c)
		}
	}

	leafs := make([]*x509.Certificate, len(v.ServerCerts))
	for i, c := range v.ServerCerts {
		chain, err := keys.LoadCertificates(c)
		if err != nil {
			return fail(fmt.Sprintf("error: %s%v", vhostLabel(v), err))
		}
		leafs[i] = chain[0]
	}
	pin := keys.PIN{Value: v.KeyPin, File: v.PinFile}
	for i, k := range v.ServerKeys {
		if i >= len(leafs) {
			break // the config check already refused unequal counts
		}
		key, err := keys.LoadPrivateKey(k, pin)
		if err != nil {
			return fail(fmt.Sprintf("error: %s%v", vhostLabel(v), err))
		}
		if err := keys.Match(leafs[i], key); err != nil {
			return fail(fmt.Sprintf("error: %sserver-key %s does not match server-cert %s", vhostLabel(v), k, v.ServerCerts[i]))
		}
	}
	if v.CACert != "" {
		if _, err := keys.LoadCertificates(v.CACert); err != nil {
			fmt.Fprintf(w, "warning: %sca-cert: %v\n", vhostLabel(v), err)
		}
	}
	if v.CertRequest != config.CertIgnore && v.CRL != "" {
		if _, err := crl.New(v.CRL); err != nil {
			return fail(fmt.Sprintf("error: %scannot load crl: %v", vhostLabel(v), err))
		}
	}
	return nil
}

// vhostLabel is ocserv's "vhost:NAME: " message prefix; empty for the
// default server.
func vhostLabel(v *config.Vhost) string {
	if v.Name == "" || v.Name == "default" {
		return ""
	}
	return "vhost:" + v.Name + ": "
}
