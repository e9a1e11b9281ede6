package ban

import (
	"net/netip"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func newTest(p Params, local ...string) (*Table, *clock) {
	var pfx []netip.Prefix
	for _, l := range local {
		pfx = append(pfx, netip.MustParsePrefix(l))
	}
	tb := New(func() Params { return p }, pfx, nil)
	c := &clock{t: time.Unix(1_700_000_000, 0)}
	tb.SetClock(c.now)
	return tb, c
}

var ip1 = netip.MustParseAddr("192.0.2.7")

// step is one event on the table: points added (sec-mod/worker), a
// connection checked at accept, or time passing.
type step struct {
	wait    time.Duration
	points  int  // AddPoints when > 0
	connect bool // Check(ip, conn points 1)
	want    bool // result of AddPoints / Check
}

func TestTableScenarios(t *testing.T) {
	sample := Params{MaxScore: 30, ResetTime: 300, MinReauthTime: 60}
	cases := []struct {
		name  string
		p     Params
		steps []step
	}{
		{"three wrong passwords ban", sample, []step{
			{points: 10}, {points: 10}, {points: 10, want: true},
			{connect: true, want: true},
			{wait: 59 * time.Second, connect: true, want: true},
			{wait: 2 * time.Second, connect: true, want: false},
		}},
		{"connection that reaches the score is refused", Params{MaxScore: 3, ResetTime: 300, MinReauthTime: 10}, []step{
			{connect: true}, {connect: true}, {connect: true, want: true},
		}},
		{"points while banned do not extend the ban", sample, []step{
			{points: 30, want: true},
			{wait: 50 * time.Second, points: 10, want: true},
			{wait: 11 * time.Second, connect: true, want: false},
		}},
		{"code default min-reauth-time 0: ban ends with the second", Params{MaxScore: 30, ResetTime: 300}, []step{
			{points: 30, want: true},
			{connect: true, want: true},
			{wait: time.Second, connect: true, want: false},
		}},
		{"score resets after ban-reset-time", sample, []step{
			{points: 20}, {wait: 301 * time.Second, points: 10},
			{connect: true, want: false},
		}},
		{"max-ban-score 0 disables", Params{MaxScore: 0, ResetTime: 300, MinReauthTime: 60}, []step{
			{points: 1000}, {connect: true},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tb, c := newTest(tc.p)
			for i, s := range tc.steps {
				c.advance(s.wait)
				var got bool
				if s.connect {
					got = tb.Check(ip1, 1)
				} else {
					got = tb.AddPoints(ip1, s.points)
				}
				if got != s.want {
					t.Fatalf("step %d (%+v): got %v, want %v; table %+v", i, s, got, s.want, tb.List())
				}
			}
		})
	}
}

func TestLocalSubnetNeverBanned(t *testing.T) {
	tb, _ := newTest(Params{MaxScore: 30, ResetTime: 300, MinReauthTime: 60}, "10.1.2.0/30", "127.0.0.0/8")
	local := netip.MustParseAddr("10.1.2.2")
	if !tb.AddPoints(local, 40) {
		t.Fatal("points from sec-mod are recorded for a local address")
	}
	for _, ip := range []netip.Addr{local, netip.MustParseAddr("127.0.0.1")} {
		if tb.Check(ip, 1) {
			t.Errorf("%s refused although inside a local subnet", ip)
		}
	}
	tb.AddPoints(ip1, 40)
	if !tb.Check(ip1, 1) {
		t.Error("non-local address not refused")
	}
}

func TestIPv6Slash64AndUnban(t *testing.T) {
	tb, c := newTest(Params{MaxScore: 30, ResetTime: 300, MinReauthTime: 60})
	a := netip.MustParseAddr("2001:db8:1:2::10")
	b := netip.MustParseAddr("2001:db8:1:2:ffff::1")
	other := netip.MustParseAddr("2001:db8:1:3::10")
	tb.AddPoints(a, 30)
	if !tb.Check(b, 1) {
		t.Error("same /64 not banned")
	}
	if tb.Check(other, 1) {
		t.Error("other /64 banned")
	}
	if tb.Check(netip.MustParseAddr("::ffff:192.0.2.7"), 1) {
		t.Error("unrelated v4-mapped address banned")
	}
	bans := tb.Bans()
	if len(bans) != 1 || bans[0].IP != netip.MustParseAddr("2001:db8:1:2::") || bans[0].Expiry.Unix() != c.t.Unix()+60 {
		t.Fatalf("Bans() = %+v", bans)
	}
	if n := tb.BannedCount(); n != 1 {
		t.Errorf("BannedCount = %d", n)
	}
	if !tb.Unban(b) || tb.Check(a, 1) || tb.BannedCount() != 0 {
		t.Error("unban did not clear the /64")
	}
	if tb.Unban(netip.MustParseAddr("198.51.100.1")) {
		t.Error("unban of an unknown address reported success")
	}
	if len(tb.List()) != 3 {
		t.Errorf("List = %+v", tb.List())
	}
}

func TestCleanup(t *testing.T) {
	tb, c := newTest(Params{MaxScore: 30, ResetTime: 300, MinReauthTime: 600})
	tb.AddPoints(ip1, 30)
	c.advance(400 * time.Second)
	tb.Cleanup()
	if len(tb.List()) != 1 {
		t.Fatal("banned entry dropped before its expiry")
	}
	c.advance(201 * time.Second)
	tb.Cleanup()
	if len(tb.List()) != 0 {
		t.Fatalf("expired entry kept: %+v", tb.List())
	}
}

func TestLocalPrefixes(t *testing.T) {
	ps, err := LocalPrefixes()
	if err != nil {
		t.Skip("no interface list:", err)
	}
	for _, p := range ps {
		if p.Addr().Is4() && p.Contains(netip.MustParseAddr("127.0.0.1")) {
			return
		}
	}
	t.Logf("no loopback subnet among %v", ps)
}
