package radcli

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParseServers(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Server
	}{
		{"127.0.0.1", []Server{{Addr: "127.0.0.1:1812"}}},
		{"127.0.0.1:1645", []Server{{Addr: "127.0.0.1:1645"}}},
		{"127.0.0.1:1645:sec,10.0.0.1", []Server{{Addr: "127.0.0.1:1645", Secret: "sec"}, {Addr: "10.0.0.1:1812"}}},
		{"[::1]:11", []Server{{Addr: "[::1]:11"}}},
		{"h:bad", []Server{{Addr: "h:1812"}}},
		{",,", nil},
	} {
		if got := parseServers(tc.in, DefaultAuthPort); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%q: got %v want %v", tc.in, got, tc.want)
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir) // radcli's relative paths resolve against the working directory
	w := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	w("radiusclient.conf", "# c\nauthserver 127.0.0.1:1812\nacctserver 127.0.0.1:1813\nservers servers\ndictionary dict\ndefault_realm\nradius_timeout 3\nradius_retries 1\nbindaddr *\nnas-identifier n1 # x\nunknown x\n")
	w("servers", "# h s\n127.0.0.1\ttesting123\nother x\n")
	w("dict", "ATTRIBUTE User-Name 1 string\n$INCLUDE dict.ms\n")
	w("dict.ms", "VENDOR Microsoft 311\nBEGIN-VENDOR Microsoft\nATTRIBUTE MS-Primary-DNS-Server 28 ipaddr\nEND-VENDOR Microsoft\nATTRIBUTE bad\n")
	c, err := Load(filepath.Join(dir, "radiusclient.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if c.AuthServers[0] != (Server{Addr: "127.0.0.1:1812", Secret: "testing123"}) || c.AcctServers[0] != (Server{Addr: "127.0.0.1:1813", Secret: "testing123"}) {
		t.Errorf("servers %v %v", c.AuthServers, c.AcctServers)
	}
	if c.Timeout != 3*time.Second || c.Retries != 1 || c.DefaultRealm != "" || c.NASIdentifier != "n1" || c.BindAddr != "*" {
		t.Errorf("config %+v", c)
	}
	if a := c.Dict.ByName["ms-primary-dns-server"]; a.Vendor != 311 || a.Number != 28 {
		t.Errorf("ms attr %+v", a)
	}
	if !c.Dict.Has("User-Name") || c.Dict.Has("bad") {
		t.Errorf("dict %v", c.Dict.ByName)
	}

	for name, body := range map[string]string{
		"noserver": "servers servers\n",
		"nodict":   "authserver 127.0.0.1\nservers servers\ndictionary missing\n",
	} {
		w(name, body)
		if _, err := Load(filepath.Join(dir, name)); err == nil {
			t.Errorf("%s: loaded", name)
		}
	}
	// radcli reads the servers file only when it sends a request: a
	// missing file or secret is no load error, the server says why.
	for name, body := range map[string]string{
		"nosecret":  "authserver 10.9.9.9\nservers servers\n",
		"noservers": "authserver 127.0.0.1\nservers missing\n",
	} {
		w(name, body)
		c, err := Load(filepath.Join(dir, name))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if s := c.AuthServers[0]; s.Secret != "" || s.NoSecret == nil {
			t.Errorf("%s: server %+v, want no secret and why", name, s)
		}
	}
	w("loop", "$INCLUDE loop\n")
	if _, err := LoadDictionary(filepath.Join(dir, "loop")); err == nil {
		t.Error("include loop accepted")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("authserver 127.0.0.1:1812:s,[::1]\nradius_timeout 3\n"))
	f.Add([]byte("ATTRIBUTE a 1 string Microsoft\nVENDOR x 9\nBEGIN-VENDOR x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c := Parse(b)
		if c.Timeout <= 0 || c.Retries <= 0 {
			t.Fatalf("bad defaults %+v", c)
		}
		_ = ParseServersFile(b)
		d := NewDictionary()
		_ = d.Parse(b, nil)
	})
}

// TestLoadRelativeToWorkingDirectory: `servers ./data/servers`,
// `dictionary ./data/dictionary` in a config file that lives elsewhere
// resolve against the working directory, as radcli resolves them.
func TestLoadRelativeToWorkingDirectory(t *testing.T) {
	wd := t.TempDir()
	confDir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(wd, "data"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(wd, "data", "servers"), "127.0.0.1 s3cret\n")
	write(filepath.Join(wd, "data", "dictionary"), "ATTRIBUTE User-Name 1 string\n")
	conf := filepath.Join(confDir, "radiusclient.conf")
	write(conf, "authserver 127.0.0.1\nservers ./data/servers\ndictionary ./data/dictionary\nseqfile ./radius.seq\n")
	t.Chdir(wd)
	c, err := Load(conf)
	if err != nil {
		t.Fatalf("Load with paths relative to the working directory: %v", err)
	}
	if c.AuthServers[0].Secret != "s3cret" || !c.Dict.Has("User-Name") {
		t.Errorf("servers %v, dictionary %v", c.AuthServers, c.Dict.ByName)
	}
	if c.Dictionary != filepath.Join(wd, "data", "dictionary") {
		t.Errorf("dictionary path %q, want it under the working directory", c.Dictionary)
	}
	// The same config read from another working directory finds neither
	// the dictionary (an error) nor the servers file.
	t.Chdir(confDir)
	if _, err := Load(conf); err == nil {
		t.Error("loaded with the dictionary missing from the working directory")
	}
}
