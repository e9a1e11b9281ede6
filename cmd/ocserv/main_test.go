package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

const realOcserv = "/usr/sbin/ocserv"

var (
	buildOnce sync.Once
	builtPath string
	buildErr  error
)

// ourBinary builds cmd/ocserv once per test run.
func ourBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ocserv-go-test-")
		if err != nil {
			buildErr = err
			return
		}
		builtPath = filepath.Join(dir, "ocserv")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "go", "build", "-o", builtPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtPath != "" {
		os.RemoveAll(filepath.Dir(builtPath))
	}
	os.Exit(code)
}

func needReal(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(realOcserv); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is missing; it is the reference for this test", realOcserv)
		}
		t.Skipf("%s is not installed: cannot compare with the real ocserv", realOcserv)
	}
}

type result struct {
	code           int
	stdout, stderr string
}

// runAs runs bin with argv[0] set to "ocserv", so both programs name
// themselves the same way in their messages.
func runAs(t *testing.T, bin string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Args[0] = "ocserv"
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("running %s %q: %v", bin, args, err)
		}
		code = ee.ExitCode()
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %q timed out", bin, args)
	}
	return result{code, out.String(), errb.String()}
}

// TestAgainstRealOcserv compares exit codes and, where ocserv-go must
// print exactly what ocserv prints, stderr.
func TestAgainstRealOcserv(t *testing.T) {
	needReal(t)
	ours := ourBinary(t)
	missing := filepath.Join(t.TempDir(), "missing.conf")
	tests := []struct {
		name       string
		args       []string
		sameStderr bool
	}{
		{"extra argument", []string{"extra"}, true},
		{"extra argument after options", []string{"-f", "-c", missing, "extra"}, true},
		{"operand after --", []string{"--", "-t"}, true},
		{"missing config", []string{"-c", missing}, true},
		{"missing config with -t", []string{"-t", "--config=" + missing}, true},
		{"empty config name", []string{"-c", ""}, true},
		{"unknown long flag", []string{"--foo", "-c", missing}, true},
		{"unknown short flag", []string{"-z", "-c", missing}, true},
		{"ambiguous flag", []string{"--t", "-c", missing}, true},
		{"flag without its argument", []string{"-c", missing, "-d"}, true},
		{"long flag without its argument", []string{"-c", missing, "--pid-file"}, true},
		{"flag refusing an argument", []string{"--foreground=1", "-c", missing}, true},
		{"help", []string{"-h"}, false},
		{"help wins over extra arguments", []string{"extra", "--help"}, false},
		{"version", []string{"-v"}, false},
		{"version after an unknown flag", []string{"-z", "--version"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := runAs(t, realOcserv, tt.args...)
			got := runAs(t, ours, tt.args...)
			if got.code != want.code {
				t.Errorf("exit code %d, real ocserv %d", got.code, want.code)
			}
			if got.stdout != "" || want.stdout != "" {
				t.Errorf("stdout not empty: ours %q, real %q", got.stdout, want.stdout)
			}
			if tt.sameStderr && got.stderr != want.stderr {
				t.Errorf("stderr:\n%s\nreal ocserv:\n%s", got.stderr, want.stderr)
			}
		})
	}

	t.Run("version first line and getopt message", func(t *testing.T) {
		want := runAs(t, realOcserv, "-z", "-v")
		got := runAs(t, ours, "-z", "-v")
		wl, gl := strings.SplitN(want.stderr, "\n", 3), strings.SplitN(got.stderr, "\n", 3)
		if len(gl) < 2 || gl[0] != wl[0] || gl[1] != wl[1] {
			t.Errorf("first lines %q, real %q", gl[:2], wl[:2])
		}
		if !strings.Contains(got.stderr, "\nocserv-go ") || !strings.Contains(got.stderr, "\n\nCompiled with:") {
			t.Errorf("version text lacks the ocserv-go line or the Compiled with line:\n%s", got.stderr)
		}
	})

	t.Run("help layout", func(t *testing.T) {
		want := runAs(t, realOcserv, "--help").stderr
		got := runAs(t, ours, "--help").stderr
		// The option column (flags, argument names, and the range/file
		// notes) is the same; the descriptions are in our words.
		if a, b := optionColumn(got), optionColumn(want); a != b {
			t.Errorf("option column:\n%s\nreal ocserv:\n%s", a, b)
		}
		if gl, wl := strings.SplitN(got, "\n", 3), strings.SplitN(want, "\n", 3); gl[1] != wl[1] {
			t.Errorf("usage line %q, real %q", gl[1], wl[1])
		}
	})
}

// optionColumn keeps the first 29 columns of the option lines of a help
// text, and the tab-indented notes.
func optionColumn(help string) string {
	var b strings.Builder
	for _, l := range strings.Split(help, "\n") {
		switch {
		case strings.HasPrefix(l, "   -") || strings.HasPrefix(l, "       --"):
			if len(l) > 29 {
				l = l[:29]
			}
			b.WriteString(strings.TrimRight(l, " ") + "\n")
		case strings.HasPrefix(l, "\t"), strings.HasPrefix(l, "               -"):
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}

// testFiles writes a certificate/key pair and returns the cert and key paths.
func writePair(t *testing.T, dir, name string) (string, string, crypto.Signer) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: name},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		DNSNames:     []string{name},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cp := filepath.Join(dir, name+".crt")
	kp := filepath.Join(dir, name+".key")
	if err := os.WriteFile(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(kp, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return cp, kp, key
}

func TestTestConfigAgainstRealOcserv(t *testing.T) {
	needReal(t)
	ours := ourBinary(t)
	dir := t.TempDir()
	cert1, key1, _ := writePair(t, dir, "one")
	cert2, key2, _ := writePair(t, dir, "two")
	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := fmt.Sprintf("auth = \"plain[passwd=%s]\"\ntcp-port = 4443\nsocket-file = %s\ndevice = vpns\nipv4-network = 192.168.99.0/24\n",
		passwd, filepath.Join(dir, "sock"))

	tests := []struct {
		name       string
		extra      string
		wantCode   int
		sameStderr bool
		stderrHas  string // a line ocserv-go must print
		// oursCode, when non-zero, is ocserv-go's exit code where it
		// deliberately differs from ocserv (docs/compat.md: -t refuses a
		// server-key that cannot be loaded or does not match its cert).
		oursCode int
	}{
		{"valid", fmt.Sprintf("server-cert = %s\nserver-key = %s\n", cert1, key1), 0, true, "", 0},
		{"two pairs", fmt.Sprintf("server-cert = %s\nserver-key = %s\nserver-cert = %s\nserver-key = %s\n", cert1, key1, cert2, key2), 0, true, "", 0},
		{"mismatched key", fmt.Sprintf("server-cert = %s\nserver-key = %s\n", cert1, key2), 0, false,
			"error: server-key " + key2 + " does not match server-cert " + cert1, 1},
		{"missing key file", fmt.Sprintf("server-cert = %s\nserver-key = %s\n", cert1, filepath.Join(dir, "nokey")), 0, false,
			"error: loading private key: open " + filepath.Join(dir, "nokey"), 1},
		{"missing cert file", fmt.Sprintf("server-cert = %s\nserver-key = %s\n", filepath.Join(dir, "nocert"), key1), 1, false,
			"error: cannot open file " + filepath.Join(dir, "nocert"), 0},
		{"not a certificate", fmt.Sprintf("server-cert = %s\nserver-key = %s\n", garbage, key1), 1, false, "error: ", 0},
		{"count mismatch", fmt.Sprintf("server-cert = %s\nserver-cert = %s\nserver-key = %s\n", cert1, cert2, key1), 1, true, "", 0},
		{"missing dh-params", fmt.Sprintf("server-cert = %s\nserver-key = %s\ndh-params = %s\n", cert1, key1, filepath.Join(dir, "nodh")), 1, false,
			"error: cannot open file " + filepath.Join(dir, "nodh"), 0},
		{"missing ocsp-response is not fatal", fmt.Sprintf("server-cert = %s\nserver-key = %s\nocsp-response = %s\n", cert1, key1, filepath.Join(dir, "noocsp")), 0, false,
			"error: cannot open file " + filepath.Join(dir, "noocsp"), 0},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conf := filepath.Join(dir, fmt.Sprintf("t%d.conf", i))
			if err := os.WriteFile(conf, []byte(base+tt.extra), 0o644); err != nil {
				t.Fatal(err)
			}
			want := runAs(t, realOcserv, "-t", "-c", conf)
			got := runAs(t, ours, "-t", "-c", conf)
			if want.code != tt.wantCode {
				t.Fatalf("the real ocserv exited %d, the test expects %d (stderr %q)", want.code, tt.wantCode, want.stderr)
			}
			wantOurs := want.code
			if tt.oursCode != 0 {
				wantOurs = tt.oursCode
			}
			if got.code != wantOurs {
				t.Errorf("exit code %d, want %d (real ocserv %d)\nstderr:\n%s", got.code, wantOurs, want.code, got.stderr)
			}
			if got.stdout != "" {
				t.Errorf("stdout not empty: %q", got.stdout)
			}
			if tt.sameStderr && got.stderr != want.stderr {
				t.Errorf("stderr:\n%s\nreal ocserv:\n%s", got.stderr, want.stderr)
			}
			if tt.stderrHas != "" && !strings.Contains(got.stderr, "\n"+tt.stderrHas) && !strings.HasPrefix(got.stderr, tt.stderrHas) {
				t.Errorf("stderr lacks %q:\n%s", tt.stderrHas, got.stderr)
			}
		})
	}

	t.Run("server mode needs root, as ocserv", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to run both servers as nobody")
		}
		// A world-readable copy, so that nobody can read it.
		pub, err := os.MkdirTemp("", "ocserv-go-nonroot-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(pub)
		cert, key, _ := writePair(t, pub, "nr")
		pw := filepath.Join(pub, "passwd")
		conf := filepath.Join(pub, "nr.conf")
		text := fmt.Sprintf("auth = \"plain[passwd=%s]\"\ntcp-port = 4443\nsocket-file = %s\ndevice = vpns\nipv4-network = 192.168.99.0/24\nserver-cert = %s\nserver-key = %s\n",
			pw, filepath.Join(pub, "sock"), cert, key)
		for _, f := range []struct {
			path string
			data []byte
		}{{pw, nil}, {conf, []byte(text)}} {
			if err := os.WriteFile(f.path, f.data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, p := range []string{pub, cert, key} {
			mode := os.FileMode(0o644)
			if p == pub {
				mode = 0o755
			}
			if err := os.Chmod(p, mode); err != nil {
				t.Fatal(err)
			}
		}
		asNobody := func(bin string) result {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", bin, "-f", "-c", conf)
			var errb bytes.Buffer
			cmd.Stderr = &errb
			err := cmd.Run()
			code := 0
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatalf("running %s: %v", bin, err)
			}
			return result{code: code, stderr: errb.String()}
		}
		want := asNobody(realOcserv)
		got := asNobody(ours)
		if got.code != want.code || got.code != 1 {
			t.Errorf("exit code %d, real ocserv %d", got.code, want.code)
		}
		if got.stderr != want.stderr {
			t.Errorf("stderr:\n%s\nreal ocserv:\n%s", got.stderr, want.stderr)
		}
	})
}
