package radius

import (
	"encoding/binary"
	"net"
	"strings"

	"layeh.com/radius"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/radcli"
)

// maxGroups is how many groups a Class attribute may list (MAX_GROUPS).
const maxGroups = 32

// Accept is what ocserv takes from an Access-Accept (radius.md §4).
type Accept struct {
	UserName        string   // User-Name of the Accept, if any
	Groups          []string // from the first Class
	IPv4            string   // Framed-IP-Address ("" = from the pool)
	IPv4Netmask     string   // Framed-IP-Netmask
	IPv6            string   // Framed-IPv6-Address
	Routes          []string // Framed-Route / Framed-IPv6-Route, stored form
	DNS             []string // MS primary, MS secondary, IPv6 #1, IPv6 #2
	SessionTimeout  int
	InterimInterval int
	ServiceType     uint32 // 0 = absent
}

// parseRoute is ocserv's Framed-Route handling: the text up to the first
// space after '/' (strings without '/' are ignored), IPv4 CIDR converted
// to the dotted form.
func parseRoute(s string) (string, bool) {
	sl := strings.IndexByte(s, '/')
	if sl < 0 {
		return "", false
	}
	if sp := strings.IndexByte(s[sl:], ' '); sp >= 0 {
		s = s[:sl+sp]
	}
	r, err := config.CheckRoute(s)
	if err != nil || r == "" {
		return "", false
	}
	return r, true
}

// parseClass splits "OU=g1;g2" into groups; any other value is one group.
func parseClass(s string) []string {
	var out []string
	add := func(g string) {
		g = strings.TrimRight(g, " ")
		if g != "" && len(out) < maxGroups {
			out = append(out, auth.Truncate(g, auth.MaxGroupnameSize))
		}
	}
	if rest, ok := strings.CutPrefix(s, "OU="); ok {
		for _, g := range strings.Split(rest, ";") {
			add(g)
		}
		return out
	}
	add(s)
	return out
}

func ip4(b []byte) (string, bool) {
	if len(b) != 4 {
		return "", false
	}
	return net.IP(b).String(), true
}

// ParseAccept reads the attributes of an Access-Accept. dict decides
// whether the Microsoft DNS attributes are known (nil: they are).
func ParseAccept(p *radius.Packet, dict *radcli.Dictionary) *Accept {
	a := &Accept{}
	msDNS := dict == nil || dict.Has("MS-Primary-DNS-Server")
	var msPri, msSec string
	var v6dns []string
	classSeen := false
	for _, avp := range p.Attributes {
		v := []byte(avp.Attribute)
		switch avp.Type {
		case attrUserName:
			a.UserName = string(v)
		case attrServiceType:
			if len(v) == 4 {
				a.ServiceType = binary.BigEndian.Uint32(v)
			}
		case attrClass:
			if !classSeen {
				classSeen = true
				a.Groups = parseClass(string(v))
			}
		case attrFramedIPAddress:
			if s, ok := ip4(v); ok && s != "255.255.255.255" && s != "255.255.255.254" {
				a.IPv4 = s
			}
		case attrFramedIPNetmask:
			if s, ok := ip4(v); ok {
				a.IPv4Netmask = s
			}
		case attrFramedRoute, attrFramedIPv6Route:
			if r, ok := parseRoute(string(v)); ok {
				a.Routes = append(a.Routes, r)
			}
		case attrFramedIPv6Address:
			if len(v) == 16 {
				a.IPv6 = net.IP(v).String()
			}
		case attrDNSServerIPv6:
			if len(v) == 16 && len(v6dns) < 2 {
				v6dns = append(v6dns, net.IP(v).String())
			}
		case attrSessionTimeout:
			if len(v) == 4 {
				a.SessionTimeout = int(binary.BigEndian.Uint32(v) & 0x7fffffff)
			}
		case attrAcctInterim:
			if len(v) == 4 {
				a.InterimInterval = int(binary.BigEndian.Uint32(v) & 0x7fffffff)
			}
		case attrVendorSpecific:
			if !msDNS {
				continue
			}
			vid, val, err := radius.VendorSpecific(avp.Attribute)
			if err != nil || vid != vendorMicrosoft {
				continue
			}
			// Vendor sub-attributes: type, length, value.
			for len(val) >= 2 {
				l := int(val[1])
				if l < 2 || l > len(val) {
					break
				}
				if s, ok := ip4(val[2:l]); ok {
					switch val[0] {
					case msPrimaryDNS:
						msPri = s
					case msSecondaryDNS:
						msSec = s
					}
				}
				val = val[l:]
			}
		}
	}
	for _, s := range []string{msPri, msSec} {
		if s != "" {
			a.DNS = append(a.DNS, s)
		}
	}
	a.DNS = append(a.DNS, v6dns...)
	return a
}

// Apply puts the groupconfig settings of an Accept into a session
// configuration: they replace the files' and the global values.
func (a *Accept) Apply(s *config.Session, v *config.Vhost) {
	if a == nil {
		return
	}
	if a.IPv4 != "" {
		s.ExplicitIPv4 = a.IPv4
	}
	if a.IPv4Netmask != "" {
		s.IPv4Netmask = a.IPv4Netmask
	}
	if a.IPv6 != "" {
		s.ExplicitIPv6 = a.IPv6
		s.IPv6SubnetPrefix = 64
	}
	if len(a.Routes) > 0 {
		rs := make([]config.Route, 0, len(a.Routes))
		for _, r := range a.Routes {
			rs = append(rs, config.Route{Text: r})
		}
		if v != nil && v.AppendRoutes {
			rs = append(rs, v.Routes...)
		}
		s.Routes = rs
		s.FullTunnel = false
		for _, r := range rs {
			if r.Text == "default" || r.Text == "0.0.0.0/0" {
				s.FullTunnel = true
			}
		}
	}
	if len(a.DNS) > 0 {
		s.DNS = append([]string(nil), a.DNS...)
	}
	if a.SessionTimeout > 0 {
		s.SessionTimeout = a.SessionTimeout
	}
	if a.InterimInterval > 0 {
		s.StatsReportTime = a.InterimInterval
	}
}
