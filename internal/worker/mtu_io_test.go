package worker

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

func TestParseClientMTU(t *testing.T) {
	tests := []struct {
		in     string
		want   int
		wantOK bool
	}{
		{"1400", 1400, true},
		{" \t1400", 1400, true},
		{"+1400", 1400, true},
		{"-1", -1, true},
		{"0", 0, true},
		{"", 0, false},
		{"abc", 0, false},
		{"-", 0, false},
		{"12ab", 12, true}, // atoi's leading digits
		{"99999999", maxClientMTU, true},
		{"4294967297", maxClientMTU, true},
		{"9223372036854775807", maxClientMTU, true},
		{"99999999999999999999999999999999", maxClientMTU, true},
		{"-2147483649", -maxClientMTU, true},
		{"1400 ", 1400, true},
	}
	for _, tt := range tests {
		t.Run(strconv.Quote(tt.in), func(t *testing.T) {
			n, ok := parseClientMTU(tt.in)
			if n != tt.want || ok != tt.wantOK {
				t.Fatalf("parseClientMTU(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.want, tt.wantOK)
			}
		})
	}
}

// TestClientLinkMTU: the client's MTU headers can only lower the link MTU
// to a positive value; overflowing numbers never wrap (the base commit
// turned X-CSTP-MTU: 9223372036854775807 into a negative link MTU).
func TestClientLinkMTU(t *testing.T) {
	tests := []struct {
		name, base, mtu string
		link, want      int
	}{
		{"none", "", "", 1500, 1500},
		{"base", "1400", "1306", 1500, 1400},
		{"base above link", "9000", "", 1500, 1500},
		{"base negative", "-1", "1000", 1500, 1500},
		{"base zero falls back to mtu", "0", "1000", 1500, 1094},
		{"base garbage falls back to mtu", "abc", "1000", 1500, 1094},
		{"base huge", "4294967297", "", 1500, 1500},
		{"base tiny", "1", "", 1500, 1},
		{"mtu only", "", "1306", 1500, 1400},
		{"mtu negative", "", "-1", 1500, 1500},
		{"mtu int64 max", "", "9223372036854775807", 1500, 1500},
		{"mtu huge", "", "99999999999999999999", 1500, 1500},
		{"mtu above link", "", "1450", 1500, 1500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := clientLinkMTU(tt.base, tt.mtu, tt.link, 20); got != tt.want {
				t.Fatalf("clientLinkMTU(%q, %q, %d) = %d, want %d", tt.base, tt.mtu, tt.link, got, tt.want)
			}
		})
	}
}

// TestConnectAbsurdMTU: CONNECT with absurd MTU headers either gets a sane
// advertised MTU (68..link) or is refused; X-CSTP-Base-MTU: 1 got
// X-CSTP-MTU: -27 (-93 with DTLS) on the base commit.
func TestConnectAbsurdMTU(t *testing.T) {
	tests := []struct {
		name, base, mtu string
		refused         bool
		wantMTU         int
	}{
		{"tiny", "1", "1", true, 0},
		{"garbage digits", "12ab", "abc", true, 0},
		{"just too small", "95", "", true, 0},
		{"smallest", "96", "", false, 68},
		{"negative", "-1", "-1", false, 1472},
		{"zero", "0", "0", false, 1472},
		{"huge", "99999999", "99999999", false, 1472},
		{"overflow", "9223372036854775807", "9223372036854775807", false, 1472},
		{"neg overflow", "-9223372036854775808", "-9223372036854775809", false, 1472},
		{"mtu overflow only", "", "9223372036854775807", false, 1472},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, [][2]string{{"mtu", "1500"}}, nil)
			cookie := h.login()
			req := fmt.Sprintf(connectH, cookie)
			req = strings.Replace(req, "X-CSTP-Base-MTU: 1500\r\n", ioHeader("X-CSTP-Base-MTU", tt.base), 1)
			req = strings.Replace(req, "X-CSTP-MTU: 1390\r\n", ioHeader("X-CSTP-MTU", tt.mtu), 1)
			r := h.do(req)
			if tt.refused {
				if r.status == "HTTP/1.1 200 CONNECTED" {
					t.Fatalf("accepted with X-CSTP-MTU %q X-CSTP-Base-MTU %q", r.header("X-CSTP-MTU"), r.header("X-CSTP-Base-MTU"))
				}
				h.wait()
				return
			}
			if r.status != "HTTP/1.1 200 CONNECTED" {
				t.Fatalf("status %q", r.status)
			}
			if got := r.header("X-CSTP-MTU"); got != strconv.Itoa(tt.wantMTU) {
				t.Fatalf("X-CSTP-MTU %q (Base-MTU %q), want %d", got, r.header("X-CSTP-Base-MTU"), tt.wantMTU)
			}
			h.mu.Lock()
			tm := h.tunMTU
			h.mu.Unlock()
			if tm != 0 && int(tm) != tt.wantMTU {
				t.Fatalf("CMD_TUN_MTU %d, want %d", tm, tt.wantMTU)
			}
		})
	}
}

func ioHeader(name, v string) string {
	if v == "" {
		return ""
	}
	return name + ": " + v + "\r\n"
}

// FuzzClientLinkMTU: whatever the client's MTU headers say, the link MTU
// stays in 1..link and parsing never panics.
func FuzzClientLinkMTU(f *testing.F) {
	for _, s := range []string{"1400", "-1", "0", "", "12ab", "9223372036854775807", "-9223372036854775809", " +7"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, base, mtu string) {
		for _, ip := range []int{20, 40} {
			got := clientLinkMTU(base, mtu, 1500, ip)
			if got < 1 || got > 1500 {
				t.Fatalf("clientLinkMTU(%q, %q) = %d", base, mtu, got)
			}
		}
		if n, _ := parseClientMTU(base); n > maxClientMTU || n < -maxClientMTU {
			t.Fatalf("parseClientMTU(%q) = %d out of range", base, n)
		}
	})
}
