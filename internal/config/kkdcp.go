package config

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// KKDCPRealm is one realm served by a KKDCP URL.
type KKDCPRealm struct {
	Realm   string `json:"realm"`
	Network string `json:"network"` // "udp" or "tcp"
	Addr    string `json:"addr"`    // resolved host:port
}

// KKDCP is one MS-KKDCP proxy URL path with its realms (max 16).
type KKDCP struct {
	Path   string       `json:"path"`
	Realms []KKDCPRealm `json:"realms"`
}

const maxKrbRealms = 16

func findSpace(s string) int {
	for i := 0; i < len(s); i++ {
		if isCSpace(s[i]) {
			return i
		}
	}
	return -1
}

// parseKKDCPString splits "PATH REALM PROTO@HOST:PORT" as
// parse_kkdcp_string does.
func parseKKDCPString(str string) (path, realm, network, host, port string, err error) {
	sp := findSpace(str)
	if sp < 0 {
		return "", "", "", "", "", fatalf("Cannot parse kkdcp string: %s", str)
	}
	path = str[:sp]
	rest := lskip(str[sp+1:])
	sp = findSpace(rest)
	if sp < 0 {
		return "", "", "", "", "", fatalf("Cannot parse kkdcp string: %s", rest)
	}
	realm = rest[:sp]
	server := lskip(rest[sp+1:])
	switch {
	case strings.HasPrefix(server, "udp@"):
		network = "udp"
	case strings.HasPrefix(server, "tcp@"):
		network = "tcp"
	default:
		return "", "", "", "", "", fatalf("cannot handle protocol %s", server)
	}
	server = server[4:]
	colon := -1
	if rb := strings.IndexByte(server, ']'); rb < 0 {
		colon = strings.IndexByte(server, ':')
	} else if c := strings.IndexByte(server[rb:], ':'); c >= 0 {
		colon = rb + c
		host = server[:rb]
		if lb := strings.IndexByte(host, '['); lb >= 0 {
			host = host[lb+1:]
		}
		return path, realm, network, host, server[colon+1:], nil
	}
	if colon < 0 {
		return "", "", "", "", "", fatalf("No server port specified in: %s", server)
	}
	return path, realm, network, server[:colon], server[colon+1:], nil
}

// resolveKKDCP resolves host and port like getaddrinfo would, with a
// bounded wait.
func resolveKKDCP(network, host, port string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p, err := strconv.Atoi(port)
	if err != nil {
		p, err = net.DefaultResolver.LookupPort(ctx, network, port)
		if err != nil {
			return "", errors.New("Servname not supported for ai_socktype")
		}
	}
	if ip := net.ParseIP(host); ip != nil {
		return net.JoinHostPort(ip.String(), strconv.Itoa(p)), nil
	}
	addrs, err := net.DefaultResolver.LookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		var de *net.DNSError
		if errors.As(err, &de) && de.IsTemporary {
			return "", errors.New("Temporary failure in name resolution")
		}
		return "", errors.New("Name or service not known")
	}
	return net.JoinHostPort(addrs[0], strconv.Itoa(p)), nil
}

// parseKKDCP turns the kkdcp lines of a vhost into KKDCP entries.
func parseKKDCP(lines []string) ([]KKDCP, error) {
	var out []KKDCP
	for _, l := range lines {
		path, realm, network, host, port, err := parseKKDCPString(l)
		if err != nil {
			return nil, err
		}
		addr, err := resolveKKDCP(network, host, port)
		if err != nil {
			return nil, fatalf("error: getaddrinfo(%s) failed: %s", host, err)
		}
		idx := -1
		for i := range out {
			if out[i].Path == path {
				idx = i
			}
		}
		if idx < 0 {
			out = append(out, KKDCP{Path: path})
			idx = len(out) - 1
		}
		if len(out[idx].Realms) >= maxKrbRealms {
			return nil, fatalf("error: reached maximum number (%d) of realms per URL", maxKrbRealms)
		}
		out[idx].Realms = append(out[idx].Realms, KKDCPRealm{Realm: realm, Network: network, Addr: addr})
	}
	return out, nil
}

var _ = fmt.Sprintf
