package lease

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
)

func TestParseIPv4Pool(t *testing.T) {
	tests := []struct {
		network, mask string
		want          string
		err           bool
	}{
		{"192.168.99.0", "255.255.255.0", "192.168.99.0/24", false},
		{"192.168.99.77", "255.255.255.0", "192.168.99.0/24", false}, // host bits cleared
		{"10.0.0.0/8", "", "10.0.0.0/8", false},
		{"10.1.0.0", "16", "10.1.0.0/16", false},
		{"10.1.0.0", "/29", "10.1.0.0/29", false},
		{"10.1.0.0", "255.0.255.0", "", true}, // not contiguous
		{"10.1.0.0/8", "255.0.0.0", "", true},
		{"fd00::", "64", "", true},
		{"bogus", "255.0.0.0", "", true},
		{"10.1.0.0", "33", "", true},
	}
	for _, tc := range tests {
		got, err := ParseIPv4Pool(tc.network, tc.mask)
		if (err != nil) != tc.err || (err == nil && got.String() != tc.want) {
			t.Errorf("ParseIPv4Pool(%q, %q) = %v, %v; want %s, err %v", tc.network, tc.mask, got, err, tc.want, tc.err)
		}
	}
}

func TestParseIPv6Pool(t *testing.T) {
	tests := []struct {
		network string
		prefix  int
		want    string
		err     bool
	}{
		{"fda9:4efe:7e3b::/48", 0, "fda9:4efe:7e3b::/48", false},
		{"fd00:1::5", 64, "fd00:1::/64", false},
		{"fd00:1::", 0, "", true},
		{"10.0.0.0/8", 0, "", true},
	}
	for _, tc := range tests {
		got, err := ParseIPv6Pool(tc.network, tc.prefix)
		if (err != nil) != tc.err || (err == nil && got.String() != tc.want) {
			t.Errorf("ParseIPv6Pool(%q, %d) = %v, %v; want %s, err %v", tc.network, tc.prefix, got, err, tc.want, tc.err)
		}
	}
}

func TestServerAddr(t *testing.T) {
	for pool, want := range map[string]string{
		"192.168.99.0/24": "192.168.99.1",
		"10.88.0.0/29":    "10.88.0.1",
		"fd00:50::/120":   "fd00:50::1",
	} {
		if got := ServerAddr(netip.MustParsePrefix(pool)); got.String() != want {
			t.Errorf("ServerAddr(%s) = %s, want %s", pool, got, want)
		}
	}
}

func req4(user, pool string) Request {
	return Request{Username: user, Seed: PredictableSeed(user), IPv4Pool: netip.MustParsePrefix(pool)}
}

// TestNeverReserved fills small pools and checks no client ever gets the
// network, broadcast or server address, and that exhaustion is ErrNoIP.
func TestNeverReserved(t *testing.T) {
	for _, pool := range []string{"10.0.0.0/30", "10.0.0.0/29", "10.0.0.0/28"} {
		p := netip.MustParsePrefix(pool)
		tab := NewTable(nil)
		seen := map[netip.Addr]bool{}
		var exhausted bool
		for i := 0; i < 200; i++ {
			l, err := tab.Acquire(req4(fmt.Sprint("user", i), pool))
			if errors.Is(err, ErrNoIP) {
				exhausted = true
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			a := l.IPv4.Remote
			if !p.Contains(a) || a == p.Addr() || a == ServerAddr(p) || !p.Contains(a.Next()) {
				t.Errorf("%s: handed out reserved or foreign %s", pool, a)
			}
			if seen[a] {
				t.Errorf("%s: %s handed out twice", pool, a)
			}
			seen[a] = true
		}
		usable := 1<<(32-p.Bits()) - 3
		if len(seen) > usable || !exhausted {
			t.Errorf("%s: %d addresses leased (usable %d), exhausted=%v", pool, len(seen), usable, exhausted)
		}
	}
}

func TestReleaseAndReuse(t *testing.T) {
	tab := NewTable(nil)
	a, err := tab.Acquire(req4("alice", "192.168.99.0/24"))
	if err != nil {
		t.Fatal(err)
	}
	if !tab.InUse(a.IPv4.Remote) || tab.Len() != 1 {
		t.Fatalf("lease %s not recorded", a.IPv4.Remote)
	}
	// Same user again while held: a different address (seed taken).
	b, err := tab.Acquire(req4("alice", "192.168.99.0/24"))
	if err != nil {
		t.Fatal(err)
	}
	if b.IPv4.Remote == a.IPv4.Remote {
		t.Errorf("second alice got the held address %s", a.IPv4.Remote)
	}
	tab.Release(a)
	tab.Release(a) // idempotent
	if tab.InUse(a.IPv4.Remote) || tab.Len() != 1 {
		t.Errorf("after release: InUse=%v Len=%d", tab.InUse(a.IPv4.Remote), tab.Len())
	}
	c, err := tab.Acquire(req4("alice", "192.168.99.0/24"))
	if err != nil || c.IPv4.Remote != a.IPv4.Remote {
		t.Errorf("reconnect got %v, %v; want the predictable %s again", c, err, a.IPv4.Remote)
	}
	tab.Release(nil)
}

func TestTransfer(t *testing.T) {
	tab := NewTable(nil)
	r := req4("bob", "192.168.99.0/24")
	r.IPv6Pool, r.IPv6SubnetPrefix = netip.MustParsePrefix("fd00:1::/48"), 64
	old, err := tab.Acquire(r)
	if err != nil {
		t.Fatal(err)
	}
	nw := tab.Transfer(old)
	if nw.IPv4.Remote != old.IPv4.Remote || nw.IPv6.Remote != old.IPv6.Remote {
		t.Fatalf("transfer changed addresses: %+v vs %+v", nw, old)
	}
	tab.Release(old) // the old worker goes away: must not free the addresses
	if !tab.InUse(nw.IPv4.Remote) || !tab.InUse(nw.IPv6.Remote) || tab.Len() != 2 {
		t.Fatalf("releasing the old session freed the transferred leases")
	}
	if !tab.InUse(nw.IPv6.Subnet().Addr().Next()) {
		t.Errorf("an address inside the client's /64 is not reported in use")
	}
	tab.Release(nw)
	if tab.Len() != 0 {
		t.Errorf("Len = %d after releasing the new owner", tab.Len())
	}
	if tab.Transfer(nil) != nil {
		t.Error("Transfer(nil) != nil")
	}
}

func TestExplicit(t *testing.T) {
	pool := "192.168.99.0/24"
	tests := []struct {
		explicit string
		ok       bool
	}{
		{"192.168.99.200", true},
		{"10.9.9.9", true}, // outside the pool: accepted as ocserv does
		{"192.168.99.0", false},
		{"192.168.99.255", false},
		{"192.168.99.1", false}, // the server end
		{"fd00::1", false},
	}
	for _, tc := range tests {
		tab := NewTable(nil)
		r := req4("dave", pool)
		r.ExplicitIPv4 = netip.MustParseAddr(tc.explicit)
		l, err := tab.Acquire(r)
		if tc.ok != (err == nil) {
			t.Errorf("explicit %s: err %v, want ok=%v", tc.explicit, err, tc.ok)
			continue
		}
		if err == nil && (l.IPv4.Remote.String() != tc.explicit || !l.IPv4.Explicit || tab.Len() != 0) {
			t.Errorf("explicit %s: got %+v, table len %d", tc.explicit, l.IPv4, tab.Len())
		}
	}
	// Explicit addresses are not protected, but a leased one is refused.
	tab := NewTable(nil)
	held, _ := tab.Acquire(req4("alice", pool))
	r := req4("dave", pool)
	r.ExplicitIPv4 = held.IPv4.Remote
	if _, err := tab.Acquire(r); !errors.Is(err, ErrNoIP) {
		t.Errorf("explicit address held by alice: err %v, want ErrNoIP", err)
	}
}

func TestFamilies(t *testing.T) {
	tab := NewTable(nil)
	if _, err := tab.Acquire(Request{Username: "x"}); !errors.Is(err, ErrNoPool) {
		t.Errorf("no pools: err %v, want ErrNoPool", err)
	}
	// IPv6 only, /64 blocks.
	r := Request{Username: "v6", Seed: PredictableSeed("v6"), IPv6Pool: netip.MustParsePrefix("fd00:1::/48"), IPv6SubnetPrefix: 64}
	l, err := tab.Acquire(r)
	if err != nil || l.IPv4 != nil || l.IPv6 == nil {
		t.Fatalf("IPv6 only: %+v, %v", l, err)
	}
	if l.IPv6.Prefix != 64 || l.IPv6.Local.String() != "fd00:1::1" || !r.IPv6Pool.Contains(l.IPv6.Remote) || l.IPv6.Subnet().Contains(l.IPv6.Local) {
		t.Errorf("IPv6 lease %+v", l.IPv6)
	}
	// An IPv6 failure fails the request and leaves the IPv4 choice unrecorded.
	bad := req4("y", "10.0.0.0/24")
	bad.IPv6Pool, bad.IPv6SubnetPrefix = netip.MustParsePrefix("fd00:2::/64"), 48
	before := tab.Len()
	if _, err := tab.Acquire(bad); err == nil || tab.Len() != before {
		t.Errorf("invalid subnet prefix: err %v, len %d -> %d", err, before, tab.Len())
	}
}

type fakePinger map[netip.Addr]bool

func (f fakePinger) InUse(a netip.Addr) bool { return f[a] }

func TestPingLeases(t *testing.T) {
	pool := "192.168.99.0/24"
	first, _ := NewTable(nil).Acquire(req4("alice", pool))
	tab := NewTable(fakePinger{first.IPv4.Remote: true})
	l, err := tab.Acquire(req4("alice", pool))
	if err != nil {
		t.Fatal(err)
	}
	if l.IPv4.Remote == first.IPv4.Remote {
		t.Errorf("address %s answers pings but was leased", first.IPv4.Remote)
	}
}

func TestConcurrent(t *testing.T) {
	tab := NewTable(nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[netip.Addr]string{}
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				u := fmt.Sprintf("g%d-%d", g, i)
				l, err := tab.Acquire(req4(u, "10.0.0.0/16"))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if o, dup := got[l.IPv4.Remote]; dup {
					t.Errorf("%s and %s share %s", o, u, l.IPv4.Remote)
				}
				got[l.IPv4.Remote] = u
				mu.Unlock()
				if i%2 == 0 {
					mu.Lock()
					delete(got, l.IPv4.Remote)
					mu.Unlock()
					tab.Release(l)
				}
			}
		}(g)
	}
	wg.Wait()
	if tab.Len() != len(got) {
		t.Errorf("table has %d entries, %d held", tab.Len(), len(got))
	}
}
