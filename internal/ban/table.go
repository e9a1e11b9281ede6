package ban

import (
	"net"
	"net/netip"
	"sort"
	"sync"
	"time"
)

// Params are the configuration values the table follows. They are read on
// every call, so a reload applies at once (ocserv reads them from the
// current configuration too).
type Params struct {
	MaxScore      int // max-ban-score; 0 disables banning
	ResetTime     int // ban-reset-time, seconds
	MinReauthTime int // min-reauth-time, seconds
}

// Logger is the part of logx.Logger the table uses.
type Logger interface {
	Infof(format string, args ...any)
	Debugf(format string, args ...any)
}

// Entry is one address in the table, as occtl lists it.
type Entry struct {
	IP     netip.Addr // IPv4, or the /64 network address of an IPv6 client
	Score  int
	Banned bool      // score ≥ max-ban-score (regardless of expiry, as ocserv's ctl reply)
	Expiry time.Time // when a ban ends; zero unless Banned
}

type entry struct {
	score     int
	lastReset int64 // unix seconds
	expires   int64 // unix seconds
}

// Table is the ban table. It is safe for concurrent use.
type Table struct {
	params func() Params
	log    Logger
	now    func() time.Time

	mu      sync.Mutex
	local   []netip.Prefix
	entries map[netip.Addr]*entry
}

// New returns an empty table. params is called on every operation; log
// may be nil. local are the subnets exempt from bans at accept
// (LocalPrefixes at start-up).
func New(params func() Params, local []netip.Prefix, log Logger) *Table {
	return &Table{params: params, log: log, now: time.Now, local: local, entries: map[netip.Addr]*entry{}}
}

// SetClock replaces the time source (tests).
func (t *Table) SetClock(now func() time.Time) { t.now = now }

// key is the table key of ip: IPv4 as is, IPv6 reduced to its /64.
func key(ip netip.Addr) (netip.Addr, bool) {
	ip = ip.Unmap()
	if !ip.IsValid() {
		return ip, false
	}
	if ip.Is6() {
		p, _ := ip.WithZone("").Prefix(64)
		return p.Addr(), true
	}
	return ip, true
}

// isBanned is ocserv's IS_BANNED: the score alone.
func isBanned(p Params, e *entry) bool { return e.score >= p.MaxScore }

// add is add_ip_to_ban_list; it reports whether the entry is banned after
// the addition. The caller holds t.mu.
func (t *Table) add(p Params, k netip.Addr, points int, now int64) bool {
	e := t.entries[k]
	if e == nil {
		e = &entry{lastReset: now}
		t.entries[k] = e
	} else if now > e.lastReset+int64(p.ResetTime) {
		e.score, e.lastReset = 0, now
	}
	wasBanned := isBanned(p, e)
	if !wasBanned {
		e.expires = now + int64(p.MinReauthTime)
	}
	if points > 0 && e.score+points > e.score {
		e.score += points
	}
	if isBanned(p, e) {
		if !wasBanned && t.log != nil {
			t.log.Infof("added IP '%s' (with score %d) to ban list, will be reset at: %s",
				k, e.score, time.Unix(e.expires, 0).Format("Mon Jan _2 15:04:05 2006"))
		}
		return true
	}
	if t.log != nil {
		t.log.Debugf("added %d points (total %d) for IP '%s' to ban list", points, e.score, k)
	}
	return false
}

// AddPoints records points reported by sec-mod or a worker
// (add_str_ip_to_ban_list) and reports whether the address is banned now
// (by score, as ocserv: the caller then fails that client).
func (t *Table) AddPoints(ip netip.Addr, points int) bool {
	p := t.params()
	k, ok := key(ip)
	if p.MaxScore <= 0 || !ok {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.add(p, k, points, t.now().Unix())
}

// Check is check_if_banned, run by main right after accept: addresses in a
// local subnet are let through untouched; otherwise the connection points
// are added and the address is refused if it is banned and the ban has not
// expired.
func (t *Table) Check(ip netip.Addr, connPoints int) bool {
	p := t.params()
	k, ok := key(ip)
	if p.MaxScore <= 0 || !ok {
		return false
	}
	if t.isLocal(ip.Unmap()) {
		if t.log != nil {
			t.log.Debugf("Not applying ban to local IP: %s", ip.Unmap())
		}
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now().Unix()
	t.add(p, k, connPoints, now)
	e := t.entries[k]
	if now > e.expires || !isBanned(p, e) {
		return false
	}
	if t.log != nil {
		t.log.Infof("rejected connection from banned IP: %s", ip.Unmap())
	}
	return true
}

// Banned is the BanChecker form of Check without connection points.
func (t *Table) Banned(ip netip.Addr) bool { return t.Check(ip, 0) }

// Unban clears an address's score and expiry (remove_ip_from_ban_list);
// it reports whether the address was in the table.
func (t *Table) Unban(ip netip.Addr) bool {
	k, ok := key(ip)
	if !ok {
		return false
	}
	if t.log != nil {
		t.log.Infof("unbanning IP '%s'", ip.Unmap())
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entries[k]
	if e == nil {
		return false
	}
	e.score, e.expires = 0, 0
	return true
}

// Cleanup drops entries whose ban expired and whose score is older than
// ban-reset-time (cleanup_banned_entries, run by main's maintenance).
func (t *Table) Cleanup() {
	p := t.params()
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now().Unix()
	for k, e := range t.entries {
		if now >= e.expires && now > e.lastReset+int64(p.ResetTime) {
			delete(t.entries, k)
		}
	}
}

// List returns every entry, sorted by address (what CTL_CMD_LIST_BANNED
// sends: occtl's "show ip bans" keeps the banned ones, "show ip ban
// points" shows all).
func (t *Table) List() []Entry {
	p := t.params()
	t.mu.Lock()
	out := make([]Entry, 0, len(t.entries))
	for k, e := range t.entries {
		x := Entry{IP: k, Score: e.score}
		if p.MaxScore > 0 && isBanned(p, e) {
			x.Banned, x.Expiry = true, time.Unix(e.expires, 0)
		}
		out = append(out, x)
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].IP.Less(out[j].IP) })
	return out
}

// Bans returns the entries banned now (score and unexpired).
func (t *Table) Bans() []Entry {
	now := t.now().Unix()
	var out []Entry
	for _, e := range t.List() {
		if e.Banned && e.Expiry.Unix() > now {
			out = append(out, e)
		}
	}
	return out
}

// BannedCount is main_ban_db_elems: the number of addresses banned now
// (occtl's "IPs in ban list"); 0 when banning is disabled.
func (t *Table) BannedCount() int {
	p := t.params()
	if p.MaxScore <= 0 {
		return 0
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now().Unix()
	n := 0
	for _, e := range t.entries {
		if e.expires > now && isBanned(p, e) {
			n++
		}
	}
	return n
}

// isLocal reports whether ip lies in one of the local subnets.
func (t *Table) isLocal(ip netip.Addr) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range t.local {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// SetLocal replaces the exempt subnets.
func (t *Table) SetLocal(local []netip.Prefix) {
	t.mu.Lock()
	t.local = local
	t.mu.Unlock()
}

// LocalPrefixes returns the subnets of every address configured on the
// host's interfaces (ocserv's if_address_init, called once at start-up).
func LocalPrefixes() ([]netip.Prefix, error) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Prefix
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok {
			continue
		}
		ip, ok := netip.AddrFromSlice(n.IP)
		if !ok {
			continue
		}
		bits, _ := n.Mask.Size()
		ip = ip.Unmap()
		if ip.Is4() && bits > 32 {
			bits -= 96
		}
		p, err := ip.Prefix(bits)
		if err != nil {
			continue
		}
		out = append(out, p)
	}
	return out, nil
}
