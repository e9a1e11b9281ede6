package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ocserv-go/ocserv/internal/auth/pam"
	"github.com/ocserv-go/ocserv/internal/sandbox"
)

// The "Compiled with:" line names exactly the optional features this build
// has, in ocserv's words and order; scripts grep it.
func TestCompiledWith(t *testing.T) {
	want := "oath, radius, AnyConnect"
	if pam.Available() {
		want = "oath, radius, PAM, AnyConnect"
	}
	if sandbox.Available {
		want = "seccomp, " + want
	}
	var b bytes.Buffer
	writeVersion(&b)
	lines := strings.Split(b.String(), "\n")
	if lines[0] != "ocserv 1.1.6" {
		t.Errorf("first line %q, want %q", lines[0], "ocserv 1.1.6")
	}
	if !strings.Contains(b.String(), "\nCompiled with: "+want+"\n") {
		t.Errorf("version text:\n%s\nwant Compiled with: %s", b.String(), want)
	}
	for _, absent := range []string{"gssapi", "PKCS#11"} {
		if strings.Contains(b.String(), absent) {
			t.Errorf("version lists %q, which this build does not support", absent)
		}
	}
}
