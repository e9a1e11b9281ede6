package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Protocol of a restrict-user-to-ports entry.
type Protocol string

// Protocols accepted by restrict-user-to-ports.
const (
	ProtoTCP    Protocol = "tcp"
	ProtoUDP    Protocol = "udp"
	ProtoSCTP   Protocol = "sctp"
	ProtoICMP   Protocol = "icmp"
	ProtoICMPv6 Protocol = "icmpv6"
	ProtoESP    Protocol = "esp"
)

// PortRule is one restrict-user-to-ports entry. Negate is true for every
// entry of a "!( ... )" deny list.
type PortRule struct {
	Proto  Protocol `json:"proto"`
	Port   int      `json:"port"`
	Negate bool     `json:"negate,omitempty"`
}

// String renders the rule as occtl does: tcp(443), !tcp(443), icmp().
func (p PortRule) String() string {
	port := ""
	if p.Port != 0 || (p.Proto != ProtoICMP && p.Proto != ProtoICMPv6 && p.Proto != ProtoESP) {
		port = strconv.Itoa(p.Port)
	}
	neg := ""
	if p.Negate {
		neg = "!"
	}
	return neg + string(p.Proto) + "(" + port + ")"
}

// PortsError is a restrict-user-to-ports syntax error. Msg is what ocserv
// sends to syslog.
type PortsError struct{ Msg string }

func (e *PortsError) Error() string { return e.Msg }

var portProtos = []struct {
	name  string
	proto Protocol
}{
	{"tcp", ProtoTCP}, {"udp", ProtoUDP}, {"sctp", ProtoSCTP},
	{"icmpv6", ProtoICMPv6}, {"icmp", ProtoICMP}, {"esp", ProtoESP},
}

// ParsePorts parses one restrict-user-to-ports value (config.md §10), the
// way ocserv's cfg_parse_ports does. On error the rules parsed so far are
// returned with the error.
func ParsePorts(str string) ([]PortRule, error) {
	var out []PortRule
	p := 0
	n := len(str)
	at := func(i int) byte {
		if i < n {
			return str[i]
		}
		return 0
	}
	for p < n && isCSpace(str[p]) {
		p++
	}
	negate := false
	if at(p) == '!' {
		negate = true
		p++
		bracket := false
		for p < n && (isCSpace(str[p]) || str[p] == '(') {
			if str[p] == '(' {
				bracket = true
			}
			p++
		}
		if !bracket {
			return out, &PortsError{fmt.Sprintf("no bracket following negation at %d '%s'", p, str)}
		}
	}
	for iter := 0; iter <= n+1; iter++ {
		for p < n && isCSpace(str[p]) {
			p++
		}
		var proto Protocol
		found := false
		for _, pp := range portProtos {
			if hasPrefixFold(str[min(p, n):], pp.name) {
				proto, found = pp.proto, true
				p += len(pp.name)
				break
			}
		}
		if !found {
			return out, &PortsError{fmt.Sprintf("unknown protocol on restrict-user-to-ports at %d '%s'", p, str)}
		}
		for p < n && isCSpace(str[p]) {
			p++
		}
		if at(p) != '(' {
			return out, &PortsError{fmt.Sprintf("expected parenthesis on restrict-user-to-ports at %d '%s'", p, str)}
		}
		p++
		out = append(out, PortRule{Proto: proto, Port: atoi(str[p:]), Negate: negate})
		c := strings.IndexByte(str[p:], ')')
		if c < 0 {
			return out, &PortsError{fmt.Sprintf("expected closing parenthesis on restrict-user-to-ports at %d '%s'", p, str)}
		}
		p2 := p + c + 1
		for p2 < n && isCSpace(str[p2]) {
			p2++
		}
		if p2 >= n || (negate && str[p2] == ')') {
			return out, nil
		}
		if str[p2] != ',' {
			return out, &PortsError{fmt.Sprintf("expected comma or end of line on restrict-user-to-ports at %d '%s'", p2, str)}
		}
		p = p2 + 1
	}
	return out, &PortsError{"restrict-user-to-ports: too many entries"}
}
