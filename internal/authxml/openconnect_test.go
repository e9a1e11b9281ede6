package authxml_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/internal/authxml"
	"github.com/ocserv-go/ocserv/internal/httpwire"
)

// TestOpenconnectLogin drives the real openconnect client (when installed)
// through a two-round login served on loopback by httpwire + authxml, and
// checks it ends up with our webvpn cookie.
func TestOpenconnectLogin(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs openconnect")
	}
	oc, err := exec.LookPath("openconnect")
	if err != nil {
		t.Fatalf("needs openconnect (scripts/deps.sh installs it): %v", err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vpn.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"vpn.test"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, _ := x509.ParseCertificate(der)
	pin := sha256.Sum256(leaf.RawSubjectPublicKeyInfo)
	h := sha1.Sum(der)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var sid [httpwire.SIDLen]byte
	_, _ = rand.Read(sid[:])
	groups := []authxml.SelectGroup{{Name: "staff"}, {Name: "admins", Friendly: "Administrators"}}
	done := make(chan []string, 1)
	go func() {
		var seen []string
		defer func() { done <- seen }()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		hc := httpwire.NewConn(c, httpwire.Limits{}, 10*time.Second)
		user := ""
		for {
			req, err := hc.ReadRequest()
			if err != nil {
				return
			}
			ua, _ := req.Exact("User-Agent")
			cl, _ := authxml.ClassifyUserAgent(ua)
			f := authxml.ParseAuthRequest(req.Body)
			seen = append(seen, f.Kind.String()+":"+f.Group+":"+f.Username+":"+f.Password)
			var resp *httpwire.Response
			switch {
			case user == "" && !f.HasUsername:
				resp = authxml.FormResponse(req.Minor, nil, 300, authxml.UsernameForm(cl, "pre", true, authxml.GroupOptions(f.Group, "DEFAULT", nil, groups)))
			case user == "":
				user = f.Username
				resp = authxml.FormResponse(req.Minor, &sid, 300, authxml.PasswordForm(cl, "", 0))
			case f.Password == "test123":
				resp = authxml.SuccessResponse(authxml.SuccessParams{Minor: req.Minor, SID: sid, Cookie: sid,
					CertSHA1: strings.ToUpper(hex.EncodeToString(h[:])), Doc: authxml.Success{Banner: "hi"}})
			default:
				resp = authxml.FailureResponse(req.Minor, authxml.ReasonAuthFailed)
			}
			if err := hc.WriteResponse(resp); err != nil {
				return
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, oc, "--non-inter", "--passwd-on-stdin", "--authenticate",
		"--servercert", "pin-sha256:"+base64.StdEncoding.EncodeToString(pin[:]),
		"-u", "bob", "--authgroup=staff", fmt.Sprintf("https://127.0.0.1:%d/", ln.Addr().(*net.TCPAddr).Port))
	cmd.Stdin = strings.NewReader("test123\n")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("openconnect: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "webvpn="+httpwire.EncodeSID(sid)+"'") {
		t.Fatalf("openconnect did not report our cookie:\n%s", out)
	}
	ln.Close()
	seen := <-done
	want := []string{"init:::", "init:staff::", "auth-reply:staff:bob:", "auth-reply:::test123"}
	if strings.Join(seen, "|") != strings.Join(want, "|") {
		t.Fatalf("requests seen %q, want %q", seen, want)
	}
}
