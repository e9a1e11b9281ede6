package hostile

// Absurd MTU headers in CONNECT (X-CSTP-MTU, X-CSTP-Base-MTU): negative,
// zero, tiny, huge, overflowing and non-numeric values. Ours must either
// refuse the tunnel or advertise an MTU a tun device and a 16-bit CSTP
// length can carry; the real ocserv's answers are logged for comparison.

import (
	"strconv"
	"testing"
)

// mtuCase is one set of CONNECT headers.
type mtuCase struct {
	name string
	hdr  []string
}

var mtuCases = []mtuCase{
	{"normal", []string{"X-CSTP-MTU: 1406", "X-CSTP-Base-MTU: 1500"}},
	{"negative", []string{"X-CSTP-MTU: -1", "X-CSTP-Base-MTU: -1"}},
	{"zero", []string{"X-CSTP-MTU: 0", "X-CSTP-Base-MTU: 0"}},
	{"tiny", []string{"X-CSTP-MTU: 1", "X-CSTP-Base-MTU: 1"}},
	{"huge", []string{"X-CSTP-MTU: 99999999", "X-CSTP-Base-MTU: 99999999"}},
	{"overflow", []string{"X-CSTP-MTU: 4294967297", "X-CSTP-Base-MTU: 2147483648"}},
	{"neg-overflow", []string{"X-CSTP-MTU: -2147483649", "X-CSTP-Base-MTU: -2147483648"}},
	{"garbage", []string{"X-CSTP-MTU: abc", "X-CSTP-Base-MTU: 12ab"}},
	{"only-base-huge", []string{"X-CSTP-Base-MTU: 70000"}},
}

// mtuAnswer is what the server answered to one case.
type mtuAnswer struct {
	status        int
	cstpMTU, dtls string
}

// The bounds of a sane advertised MTU: IPv4's minimum datagram size and
// what a CSTP frame's 16-bit length can carry after its 8-byte header.
const (
	mtuMin = 68
	mtuMax = 65535 - 8
)

func mtuSane(v string) bool {
	if v == "" {
		return true // not advertised
	}
	n, err := strconv.Atoi(v)
	return err == nil && n >= mtuMin && n <= mtuMax
}

func TestHostileAbsurdMTU(t *testing.T) {
	res := compareServers(t, func(t *testing.T, kind serverKind) map[string]mtuAnswer {
		r := newRig(t, 1)
		srv := startServer(t, r, kind, r.NewConfig())
		out := map[string]mtuAnswer{}
		for _, tc := range mtuCases {
			c, resp := rawSession(t, r, 0, "alice", append(tc.hdr, dtlsLegacyHeaders...)...)
			a := mtuAnswer{status: resp.Status, cstpMTU: resp.Header.Get("X-CSTP-MTU"), dtls: resp.Header.Get("X-DTLS-MTU")}
			out[tc.name] = a
			t.Logf("%s %v: HTTP %d X-CSTP-MTU=%q X-DTLS-MTU=%q", tc.name, tc.hdr, a.status, a.cstpMTU, a.dtls)
			if tc.name == "normal" && (a.status != 200 || !mtuSane(a.cstpMTU) || a.cstpMTU == "") {
				t.Fatalf("a normal CONNECT got HTTP %d, X-CSTP-MTU %q", a.status, a.cstpMTU)
			}
			c.Close()
		}
		if !srv.Running() {
			t.Fatalf("the server exited during the MTU cases\n%s", tailString(srv.Log(), 30))
		}
		// The server still serves a real user.
		u := connectUser(t, r, 0, "bob", false)
		u.Disconnect()
		return out
	})
	ours, ok := res[ourServer]
	if !ok {
		return
	}
	for _, tc := range mtuCases {
		a := ours[tc.name]
		if a.status == 200 && (!mtuSane(a.cstpMTU) || !mtuSane(a.dtls)) {
			t.Errorf("ours, %s %v: advertised X-CSTP-MTU %q X-DTLS-MTU %q, want %d..%d or a refused CONNECT (real ocserv: %+v)",
				tc.name, tc.hdr, a.cstpMTU, a.dtls, mtuMin, mtuMax, res[realServer][tc.name])
		}
	}
}
