package lease

import (
	"bufio"
	"errors"
	"net/netip"
	"os"
	"strings"
	"testing"
)

// TestOcservGolden replays the session sequence of testdata/capture.sh and
// checks that every address equals what ocserv 1.1.6 assigned (recorded
// in testdata/ocserv-1.1.6-leases.txt from the clients' INTERNAL_IP4_*
// and INTERNAL_IP6_* variables).
func TestOcservGolden(t *testing.T) {
	global4 := netip.MustParsePrefix("192.168.99.0/24")
	tiny := netip.MustParsePrefix("10.88.0.0/29")
	replay(t, "testdata/ocserv-1.1.6-leases.txt", netip.MustParsePrefix("fda9:4efe:7e3b::/48"), []step{
		{user: "alice", pool4: global4},
		{user: "bob", pool4: global4},
		{user: "carol", pool4: global4},
		{user: "dave", pool4: global4, explicit: [2]string{"192.168.99.200", "fda9:4efe:7e3b::abcd"}},
		{user: "eve", pool4: netip.MustParsePrefix("10.77.0.0/24")},
		{user: "user1", pool4: global4},
		{user: "user2", pool4: global4},
		{user: "user3", pool4: global4},
		{user: "user4", pool4: global4},
		{user: "user5", pool4: global4},
		// u1..u6 were connected at once to a /29 with 5 client addresses.
		{user: "u1", pool4: tiny, hold: true},
		{user: "u2", pool4: tiny, hold: true}, // seed collides with u1: first SHA-1 try
		{user: "u3", pool4: tiny, hold: true, random4: true},
		{user: "u4", pool4: tiny, hold: true, random4: true},
		{user: "u5", pool4: tiny, hold: true, random4: true},
		{user: "u6", pool4: tiny, hold: true, random4: true}, // pool full: refused
	})
}

// TestOcservCollisions replays sessions held together whose seeds collide
// (ocserv-1.1.6-collisions.txt, see capture.sh for the command).
func TestOcservCollisions(t *testing.T) {
	p4 := netip.MustParsePrefix("192.168.50.0/24")
	replay(t, "testdata/ocserv-1.1.6-collisions.txt", netip.MustParsePrefix("fd00:50::/120"), []step{
		{user: "c7", pool4: p4, hold: true},
		{user: "c15", pool4: p4, hold: true}, // IPv6 seed collides with c7: SHA-1 of zeros
		{user: "c3", pool4: p4, hold: true},
		{user: "c45", pool4: p4, hold: true}, // IPv4 seed collides with c3: SHA-1 chain
		{user: "c41", pool4: p4, hold: true},
		{user: "c46", pool4: p4, hold: true}, // IPv4 collides with c41
		{user: "c25", pool4: p4, hold: true},
		{user: "c40", pool4: p4, hold: true, random6: true}, // IPv6 seed on c25, SHA-1 tries on c15
	})
}

type step struct {
	user     string
	pool4    netip.Prefix
	explicit [2]string // explicit-ipv4, explicit-ipv6
	hold     bool      // keep the session while the next ones connect
	// random4/random6: ocserv's seed and SHA-1 tries all collided and it
	// fell back to a random pick; the test feeds the observed address as
	// the "random" bytes and checks the deterministic tries failed.
	random4, random6 bool
}

// replay runs steps against one table and compares every address with
// what ocserv 1.1.6 assigned (the clients' INTERNAL_IP4_* and
// INTERNAL_IP6_* variables, recorded by testdata/capture.sh).
func replay(t *testing.T, path string, pool6 netip.Prefix, steps []step) {
	t.Helper()
	observed := readObserved(t, path)
	tab := NewTable(nil)
	for _, st := range steps {
		want, ok := observed[st.user]
		if !ok {
			t.Fatalf("no observation for %s", st.user)
		}
		req := Request{
			Username: st.user, Seed: PredictableSeed(st.user),
			IPv4Pool: st.pool4, IPv6Pool: pool6, IPv6SubnetPrefix: 128,
		}
		if st.explicit[0] != "" {
			req.ExplicitIPv4 = netip.MustParseAddr(st.explicit[0])
			req.ExplicitIPv6 = netip.MustParseAddr(st.explicit[1])
		}
		used4, used6 := false, false
		tab.random = func(b []byte) {
			switch len(b) {
			case 4:
				used4 = true
				if !st.random4 {
					t.Errorf("%s: a random IPv4 try was needed where ocserv's choice was deterministic", st.user)
				}
				if a, err := netip.ParseAddr(want.v4); err == nil {
					v := a.As4()
					copy(b, v[:])
				} else {
					copy(b, []byte{10, 88, 0, 3}) // a taken address
				}
			case 16:
				used6 = true
				if !st.random6 {
					t.Errorf("%s: a random IPv6 try was needed where ocserv's choice was deterministic", st.user)
				}
				v := netip.MustParseAddr(want.v6).As16()
				copy(b, v[:])
			}
		}
		if want.v4 == "" {
			if _, err := tab.Acquire(req); !errors.Is(err, ErrNoIP) {
				t.Errorf("%s: Acquire error = %v, want ErrNoIP (ocserv refused the session)", st.user, err)
			}
			continue
		}
		l, err := tab.Acquire(req)
		if err != nil {
			t.Fatalf("%s: %v", st.user, err)
		}
		if got := l.IPv4.Remote.String(); got != want.v4 {
			t.Errorf("%s: IPv4 = %s, ocserv gave %s", st.user, got, want.v4)
		}
		if got := l.IPv6.Remote.String(); got != want.v6 {
			t.Errorf("%s: IPv6 = %s, ocserv gave %s", st.user, got, want.v6)
		}
		if st.pool4.Bits() != want.maskBits {
			t.Errorf("%s: test pool is /%d, ocserv sent netmask /%d", st.user, st.pool4.Bits(), want.maskBits)
		}
		if got, wantLocal := l.IPv4.Local, ServerAddr(st.pool4); got != wantLocal {
			t.Errorf("%s: local %s, want %s", st.user, got, wantLocal)
		}
		if st.random4 != used4 || st.random6 != used6 {
			t.Errorf("%s: random tries used v4=%v v6=%v, ocserv needed v4=%v v6=%v", st.user, used4, used6, st.random4, st.random6)
		}
		if !st.hold {
			tab.Release(l)
		}
	}
}

type observation struct {
	v4, v6   string
	maskBits int
}

// readObserved parses lines "USER connect IP4 MASK4 IP6 IP6/LEN" (a refused
// user has only its name).
func readObserved(t *testing.T, path string) map[string]observation {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := make(map[string]observation)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) == 0 {
			continue
		}
		o := observation{}
		if len(fs) >= 5 {
			o.v4, o.v6 = fs[2], fs[4]
			n, err := maskBits(fs[3])
			if err != nil {
				t.Fatal(err)
			}
			o.maskBits = n
		}
		out[fs[0]] = o
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
