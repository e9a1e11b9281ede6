package main

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// validConfig writes a config with a fresh certificate and key and returns
// its path and the directory holding everything.
func validConfig(t *testing.T, extra func(dir, cert, key string) string) string {
	t.Helper()
	dir := t.TempDir()
	cert, key, _ := writePair(t, dir, "srv")
	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("auth = \"plain[passwd=%s]\"\ntcp-port = 4443\nsocket-file = %s/sock\ndevice = vpns\nipv4-network = 192.168.99.0/24\n",
		passwd, dir)
	if extra != nil {
		text += extra(dir, cert, key)
	} else {
		text += fmt.Sprintf("server-cert = %s\nserver-key = %s\n", cert, key)
	}
	p := filepath.Join(dir, "ocserv.conf")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigFallback(t *testing.T) {
	valid := validConfig(t, nil)
	missing := filepath.Join(t.TempDir(), "missing.conf")
	missing2 := filepath.Join(t.TempDir(), "missing2.conf")
	tests := []struct {
		name        string
		def, legacy string
		args        []string
		code        int
		firstLine   string
	}{
		{"default used", valid, missing, []string{"-t"}, 0, "note: "},
		{"legacy used when the default is missing", missing, valid, []string{"-t"}, 0, "note: "},
		{"both missing names the legacy file", missing, missing2, []string{"-t"}, 1, "error: cannot access config file: " + missing2},
		{"no fallback for -c", valid, valid, []string{"-t", "-c", missing}, 1, "error: cannot access config file: " + missing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func(d, l string) { defaultConfigFile, legacyConfigFile = d, l }(defaultConfigFile, legacyConfigFile)
			defaultConfigFile, legacyConfigFile = tt.def, tt.legacy
			var buf bytes.Buffer
			code := run(append([]string{"ocserv"}, tt.args...), &buf)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, buf.String())
			}
			if !strings.HasPrefix(buf.String(), tt.firstLine) {
				t.Errorf("stderr starts %q, want %q", buf.String(), tt.firstLine)
			}
			if tt.code == 1 && !strings.HasSuffix(buf.String(), "Usage: ocserv -c [config]\nUse ocserv --help for more information.\n") {
				t.Errorf("usage lines missing:\n%s", buf.String())
			}
		})
	}
}

func TestEncryptedKeyWithPin(t *testing.T) {
	encrypt := func(dir, key, pin string) string {
		data, err := os.ReadFile(key)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := pem.Decode(data)
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		//nolint:staticcheck // legacy PEM encryption is what we test
		blk, err := x509.EncryptPEMBlock(rand.Reader, "PRIVATE KEY", der, []byte(pin), x509.PEMCipherAES256)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, "enc.key")
		if err := os.WriteFile(p, pem.EncodeToMemory(blk), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name    string
		pinLine func(dir string) string
		refuse  bool // -t must refuse the key with an error
	}{
		{"key-pin", func(string) string { return "key-pin = 1234\n" }, false},
		{"pin-file", func(dir string) string {
			p := filepath.Join(dir, "pin")
			if err := os.WriteFile(p, []byte("1234\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return "pin-file = " + p + "\n"
		}, false},
		{"no pin", func(string) string { return "" }, true},
		{"wrong pin", func(string) string { return "key-pin = 9999\n" }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := validConfig(t, func(dir, cert, key string) string {
				return fmt.Sprintf("server-cert = %s\nserver-key = %s\n%s", cert, encrypt(dir, key, "1234"), tt.pinLine(dir))
			})
			var buf bytes.Buffer
			code := run([]string{"ocserv", "-t", "-c", conf}, &buf)
			wantCode := 0
			if tt.refuse {
				wantCode = 1
			}
			if code != wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, wantCode, buf.String())
			}
			if got := strings.Contains(buf.String(), "error: loading private key"); got != tt.refuse {
				t.Errorf("key error printed = %v, want %v; stderr:\n%s", got, tt.refuse, buf.String())
			}
		})
	}
}
