package radcli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Default ports of RADIUS authentication and accounting.
const (
	DefaultAuthPort = 1812
	DefaultAcctPort = 1813
)

// Server is one RADIUS server: address (host:port) and shared secret.
type Server struct {
	Addr   string
	Secret string
	// NoSecret says why Secret is empty (the servers file could not be
	// read, or does not name the host). radcli looks the secret up only
	// when it sends a request (rc_find_server_addr), so such a server
	// fails each request, not the start-up.
	NoSecret error
}

// Config is a parsed radiusclient.conf with its servers file resolved.
type Config struct {
	Path          string
	AuthServers   []Server
	AcctServers   []Server
	Dictionary    string // path of the dictionary file (may be empty)
	DefaultRealm  string
	Timeout       time.Duration // per attempt
	Retries       int           // attempts per server
	BindAddr      string        // "" or "*" = any
	NASIdentifier string
	NASIP         string
	Dict          *Dictionary // loaded by Load when Dictionary is set

	serversFile string
}

// Parse reads the keyword/value text of a radiusclient.conf. Relative
// paths in it are resolved against dir. The servers file is not read here
// (see Load); secrets given inline (host:port:secret) are kept.
func Parse(data []byte) *Config {
	c := &Config{Timeout: 10 * time.Second, Retries: 3}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		key := strings.ToLower(f[0])
		val := strings.Join(f[1:], " ")
		switch key {
		case "authserver":
			c.AuthServers = parseServers(val, DefaultAuthPort)
		case "acctserver":
			c.AcctServers = parseServers(val, DefaultAcctPort)
		case "servers":
			c.serversFile = val
		case "dictionary":
			c.Dictionary = val
		case "default_realm":
			c.DefaultRealm = val
		case "radius_timeout":
			if n, err := strconv.Atoi(val); err == nil && n > 0 && n < 3600 {
				c.Timeout = time.Duration(n) * time.Second
			}
		case "radius_retries":
			if n, err := strconv.Atoi(val); err == nil && n > 0 && n < 100 {
				c.Retries = n
			}
		case "bindaddr":
			c.BindAddr = val
		case "nas-identifier", "nas_identifier":
			c.NASIdentifier = val
		case "nas-ip", "nas_ip":
			c.NASIP = val
		}
	}
	return c
}

// parseServers splits "host[:port[:secret]][,host...]" (radcli syntax;
// IPv6 hosts in brackets).
func parseServers(val string, defPort int) []Server {
	var out []Server
	for _, item := range strings.Split(val, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		host, rest := item, ""
		if strings.HasPrefix(item, "[") {
			if i := strings.IndexByte(item, ']'); i > 0 {
				host, rest = item[1:i], strings.TrimPrefix(item[i+1:], ":")
			}
		} else if i := strings.IndexByte(item, ':'); i >= 0 {
			host, rest = item[:i], item[i+1:]
		}
		port, secret := strconv.Itoa(defPort), ""
		if rest != "" {
			p, s, _ := strings.Cut(rest, ":")
			if n, err := strconv.Atoi(p); err == nil && n > 0 && n < 65536 {
				port = p
			}
			secret = s
		}
		if host == "" {
			continue
		}
		out = append(out, Server{Addr: net.JoinHostPort(host, port), Secret: secret})
	}
	return out
}

// ParseServersFile reads the `HOST SECRET` lines of a radcli servers file
// into a host → secret map (host as written, without port).
func ParseServersFile(data []byte) map[string]string {
	m := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		host := f[0]
		if h, _, err := net.SplitHostPort(host); err == nil {
			host = h
		}
		host = strings.Trim(host, "[]")
		if _, ok := m[host]; !ok {
			m[host] = f[1]
		}
	}
	return m
}

// Load reads the configuration file, its servers file and its dictionary.
// An unreadable configuration or dictionary is an error (ocserv: radius
// initialization error); a servers file that cannot be read, or lacks a
// server's secret, is not (radcli opens it only when it sends a request):
// that server's NoSecret says why.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("radcli config: %w", err)
	}
	c := Parse(data)
	c.Path = path
	// radcli opens the servers file and the dictionary with the paths as
	// written, so relative ones resolve against the working directory
	// (sec-mod's, which is main's), not the config file's folder.
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		if a, err := filepath.Abs(p); err == nil {
			return a
		}
		return p
	}
	if len(c.AuthServers) == 0 && len(c.AcctServers) == 0 {
		return nil, fmt.Errorf("radcli config %s: no authserver or acctserver", path)
	}
	var serversErr error
	secrets := map[string]string{}
	if c.serversFile == "" {
		serversErr = errors.New("no servers file")
	} else if sd, err := os.ReadFile(abs(c.serversFile)); err != nil {
		serversErr = fmt.Errorf("radcli servers file: %w", err)
	} else {
		secrets = ParseServersFile(sd)
	}
	for _, list := range [][]Server{c.AuthServers, c.AcctServers} {
		for i := range list {
			if list[i].Secret != "" {
				continue
			}
			h, _, _ := net.SplitHostPort(list[i].Addr)
			list[i].Secret = secrets[h]
			switch {
			case list[i].Secret != "":
			case serversErr != nil:
				list[i].NoSecret = serversErr
			default:
				list[i].NoSecret = fmt.Errorf("no shared secret for %s in the servers file %s", h, c.serversFile)
			}
		}
	}
	if c.Dictionary != "" {
		c.Dictionary = abs(c.Dictionary)
		d, err := LoadDictionary(c.Dictionary)
		if err != nil {
			return nil, fmt.Errorf("error reading the radius dictionary: %w", err)
		}
		c.Dict = d
	}
	return c, nil
}
