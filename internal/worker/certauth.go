package worker

// Client certificate verification (ocserv's worker: the chain check after
// the handshake, get_cert_names, ws_switch_auth_to(AUTH_TYPE_CERTIFICATE)).
//
// Process: worker. It reads the vhost's ca-cert and crl files (certificates
// and revocation lists, never keys) once per connection, which is also why
// a replaced CRL applies to the next connection without a restart. A crl
// file that cannot be read, parsed or verified refuses every certificate
// (internal/crl says how lists are applied). The
// verdict, the certificate's user name and groups go to sec-mod in
// SEC_AUTH_INIT; sec-mod decides.

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/crl"
)

// certInfo is what the worker learnt from the client certificate.
type certInfo struct {
	ok     bool     // presented, chains to ca-cert, not revoked
	user   string   // value of cert-user-oid
	groups []string // values of cert-group-oid
}

// sanEmailOID is the cert-user-oid value meaning the first rfc822Name SAN.
const sanEmailOID = "SAN(rfc822name)"

// errCRL marks a verification failure caused by the CRL file itself (it
// cannot be read, parsed or verified) rather than by the certificate.
var errCRL = errors.New("cannot use the CRL")

// checkClientCert verifies the handshake's client certificate for vhost v
// and extracts its names. It logs why a certificate is not accepted; a
// broken CRL is an error (every certificate is refused until it is fixed).
func (w *worker) checkClientCert(cs tls.ConnectionState, v *config.Vhost) certInfo {
	if v.CertRequest == config.CertIgnore || v.CertRequest == "" || len(cs.PeerCertificates) == 0 {
		return certInfo{}
	}
	leaf := cs.PeerCertificates[0]
	if err := verifyChain(cs.PeerCertificates, v.CACert, v.CRL, time.Now()); err != nil {
		if errors.Is(err, errCRL) {
			w.log.Errorf("client certificate refused: %v", err)
		} else {
			w.log.Infof("client certificate verification failed: %v", err)
		}
		return certInfo{}
	}
	ci := certInfo{ok: true}
	var err error
	ci.user, ci.groups, err = certNames(leaf, v.CertUserOID, v.CertGroupOID)
	if err != nil {
		w.log.Errorf("cannot obtain user from certificate: %v", err)
		return certInfo{}
	}
	w.log.Debugf("client certificate verified (user '%s', groups %v)", ci.user, ci.groups)
	return ci
}

// verifyChain checks chain[0] against the CA file (intermediates from the
// rest of the chain) and, if a CRL file is configured, every certificate
// of every verified path against it. A CRL that cannot be used is an error
// wrapping errCRL: it fails closed.
func verifyChain(chain []*x509.Certificate, caFile, crlFile string, now time.Time) error {
	if caFile == "" {
		return errors.New("no ca-cert configured")
	}
	data, err := os.ReadFile(caFile)
	if err != nil {
		return fmt.Errorf("cannot read ca-cert: %w", err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(data) {
		if c, err := x509.ParseCertificate(data); err == nil {
			roots.AddCert(c)
		} else {
			return fmt.Errorf("no certificate in ca-cert %s", caFile)
		}
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	// GnuTLS, as ocserv uses it, does not check the key purpose of a
	// client certificate.
	paths, err := chain[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter,
		CurrentTime: now, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err != nil {
		return err
	}
	if crlFile == "" {
		return nil
	}
	return checkRevocation(paths, crlFile)
}

// checkRevocation checks each certificate of each path (but the root)
// against the CRL file.
func checkRevocation(paths [][]*x509.Certificate, crlFile string) error {
	ch, err := crl.New(crlFile)
	if err != nil {
		return fmt.Errorf("%w: %v", errCRL, err)
	}
	for _, p := range paths {
		for i := 0; i+1 < len(p); i++ {
			revoked, err := ch.Revoked(p[i], p[i+1])
			if err != nil {
				return fmt.Errorf("%w: %v", errCRL, err)
			}
			if revoked {
				return fmt.Errorf("certificate serial %s (%q) is revoked", p[i].SerialNumber, p[i].Subject.String())
			}
		}
	}
	return nil
}

// certNames reads the user (cert-user-oid: a numeric OID of the subject
// DN, or SAN(rfc822name)) and the groups (every value of cert-group-oid in
// the subject DN) of c.
func certNames(c *x509.Certificate, userOID, groupOID string) (string, []string, error) {
	var user string
	switch {
	case userOID == sanEmailOID:
		if len(c.EmailAddresses) == 0 {
			return "", nil, errors.New("the certificate has no e-mail SAN")
		}
		user = c.EmailAddresses[0]
	case userOID != "":
		vals, err := dnValues(c, userOID)
		if err != nil {
			return "", nil, err
		}
		if len(vals) == 0 {
			return "", nil, fmt.Errorf("the certificate's DN has no %s", userOID)
		}
		user = vals[0]
	default:
		user = c.Subject.String()
	}
	var groups []string
	if groupOID != "" {
		g, err := dnValues(c, groupOID)
		if err != nil {
			return "", nil, err
		}
		groups = g
	}
	return user, groups, nil
}

// dnValues returns the values of attribute oid in c's subject, in order.
func dnValues(c *x509.Certificate, oid string) ([]string, error) {
	want, err := parseOID(oid)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range c.Subject.Names {
		if !n.Type.Equal(want) {
			continue
		}
		switch v := n.Value.(type) {
		case string:
			out = append(out, v)
		default:
			out = append(out, fmt.Sprint(v))
		}
	}
	return out, nil
}

func parseOID(s string) (asn1.ObjectIdentifier, error) {
	var oid asn1.ObjectIdentifier
	n, digits := 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 {
				return nil, fmt.Errorf("bad OID %q", s)
			}
			oid = append(oid, n)
			n, digits = 0, 0
			continue
		}
		if s[i] < '0' || s[i] > '9' || n > 1<<24 {
			return nil, fmt.Errorf("bad OID %q", s)
		}
		n = n*10 + int(s[i]-'0')
		digits++
	}
	if len(oid) < 2 {
		return nil, fmt.Errorf("bad OID %q", s)
	}
	return oid, nil
}

// verifyConnection is the handshake's client-certificate callback. As in
// ocserv, a certificate that is presented but fails verification ends the
// handshake unless cisco-client-compat is set; a missing one ends it only
// when the certificate is required (certificate is the only method).
func (w *worker) verifyConnection(cs tls.ConnectionState, v *config.Vhost) error {
	if len(cs.PeerCertificates) == 0 {
		w.log.Debugf("no client certificate was presented")
		if v.CertRequest == config.CertRequired && !v.CiscoClientCompat {
			return errors.New("no certificate was found")
		}
		return nil
	}
	ci := w.checkClientCert(cs, v)
	w.auth.cert = ci
	if !ci.ok {
		if v.CiscoClientCompat {
			return nil
		}
		return errors.New("client certificate verification failed")
	}
	w.log.Infof("client certificate verification succeeded")
	return nil
}
