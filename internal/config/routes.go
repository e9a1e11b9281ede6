package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Route is one entry of route / no-route / iroute after ocserv's sanity
// check. Text is the stored form that ocserv shows everywhere (IPv4 CIDR
// rewritten to a.b.c.d/m.m.m.m; IPv6 and "default" unchanged).
type Route struct {
	Text string `json:"text"`
}

func (r Route) String() string { return r.Text }

// CIDR returns the route in CIDR form (the %{RI} substitution): IPv4
// a.b.c.d/m.m.m.m becomes a.b.c.d/LEN when the mask is contiguous; anything
// else is returned unchanged.
func (r Route) CIDR() string { return RouteCIDR(r.Text) }

// RouteCIDR converts a stored IPv4 route a.b.c.d/m.m.m.m to a.b.c.d/LEN.
func RouteCIDR(s string) string {
	i := strings.IndexByte(s, '/')
	if i < 0 || !strings.Contains(s[:i], ".") {
		return s
	}
	m, err := netip.ParseAddr(s[i+1:])
	if err != nil || !m.Is4() {
		return s
	}
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for n < 32 && v&(1<<(31-uint(n))) != 0 {
		n++
	}
	if n < 32 && v<<uint(n) != 0 {
		return s // not a contiguous mask
	}
	return s[:i] + "/" + strconv.Itoa(n)
}

// prefixToMask gives the dotted mask for prefix 1..32, or "" otherwise.
func prefixToMask(prefix int64) string {
	if prefix <= 0 || prefix > 32 {
		return ""
	}
	v := uint32(0xFFFFFFFF) << uint(32-prefix)
	return fmt.Sprintf("%d.%d.%d.%d", v>>24, (v>>16)&0xff, (v>>8)&0xff, v&0xff)
}

// RouteError is the message ocserv prints (without "error: ") for a route
// that cannot be fixed.
type RouteError struct{ Msg string }

func (e *RouteError) Error() string { return e.Msg }

// CheckRoute is ocserv's ip_route_sanity_check: strings without '.' are
// returned unchanged; an IPv4 route must contain '/' after its first dot;
// a numeric prefix is rewritten to the dotted netmask form.
func CheckRoute(route string) (string, error) {
	dot := strings.IndexByte(route, '.')
	if dot < 0 {
		return route, nil
	}
	sl := strings.IndexByte(route[dot:], '/')
	if sl < 0 {
		return "", &RouteError{fmt.Sprintf("route '%s' in wrong format, use xxx.xxx.xxx.xxx/xxx.xxx.xxx.xxx", route)}
	}
	sl += dot
	rest := route[sl+1:]
	if strings.Contains(rest, ".") {
		return route, nil
	}
	mask := prefixToMask(int64(uint32(atoi(rest))))
	if mask == "" {
		return "", &RouteError{fmt.Sprintf("cannot figure format of route '%s'", route)}
	}
	return route[:sl] + "/" + mask, nil
}
