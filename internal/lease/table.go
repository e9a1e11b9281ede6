package lease

import (
	"crypto/rand"
	"crypto/sha1"
	"errors"
	"fmt"
	"net/netip"
	"sync"
)

// Errors returned by Table.Acquire; test with errors.Is.
var (
	// ErrNoIP: no usable address was found (pool exhausted after ocserv's
	// 16 tries, or an explicit address that is taken or invalid).
	ErrNoIP = errors.New("no free address in the pool")
	// ErrNoPool: neither an IPv4 nor an IPv6 pool applies to the session.
	ErrNoPool = errors.New("no IPv4 or IPv6 addresses are configured")
)

// maxTries and fixedTries are ocserv's MAX_IP_TRIES and FIXED_IPS: the
// first try uses the seed, the next fixedTries derive from it with SHA-1,
// the rest are random.
const (
	maxTries   = 16
	fixedTries = 5
)

// Pinger is the ping-leases hook: InUse reports whether some host already
// answers at addr (ocserv sends an ICMP echo). It is called with the
// table locked, so it should answer quickly. Only IPv4 candidates are
// checked, as in ocserv.
type Pinger interface {
	InUse(addr netip.Addr) bool
}

// Request describes what one session may get. Its pools are the
// effective ones: the per-user/group ipv4-network when set, else the
// vhost's (the caller merges the config).
type Request struct {
	// Username is used in error messages only.
	Username string
	// Seed starts the address walk (PredictableSeed or RandomSeed).
	Seed Seed

	// IPv4Pool is ipv4-network/ipv4-netmask; the zero Prefix means no IPv4.
	IPv4Pool netip.Prefix
	// ExplicitIPv4 is explicit-ipv4 (or RADIUS Framed-IP-Address). As in
	// ocserv it is honoured only when an IPv4 pool is set, may lie
	// outside that pool, and is not entered into the table.
	ExplicitIPv4 netip.Addr

	// IPv6Pool is ipv6-network with its prefix; zero means no IPv6.
	IPv6Pool netip.Prefix
	// IPv6SubnetPrefix is ipv6-subnet-prefix, the length of the block each
	// client gets (128 = one address). 0 means no IPv6, as in ocserv.
	IPv6SubnetPrefix int
	// ExplicitIPv6 is explicit-ipv6; same rules as ExplicitIPv4.
	ExplicitIPv6 netip.Addr
}

// IPv4Lease is a session's IPv4 link.
type IPv4Lease struct {
	Local    netip.Addr   // server end, pool network + 1 (IP_LOCAL, occtl "P-t-P IPv4")
	Remote   netip.Addr   // client's VPN address (IP_REMOTE, occtl "IPv4")
	Pool     netip.Prefix // the pool it came from
	Explicit bool         // from explicit-ipv4: not tracked by the table
}

// IPv6Lease is a session's IPv6 link.
type IPv6Lease struct {
	Local    netip.Addr   // server end, ipv6-network + 1 (IPV6_LOCAL)
	Remote   netip.Addr   // client's VPN address (IPV6_REMOTE)
	Prefix   int          // client's block length, ipv6-subnet-prefix (IPV6_PREFIX)
	Pool     netip.Prefix // the pool it came from
	Explicit bool         // from explicit-ipv6: not tracked by the table
}

// Subnet is the client's block, Remote/Prefix masked.
func (l *IPv6Lease) Subnet() netip.Prefix {
	return netip.PrefixFrom(l.Remote, l.Prefix).Masked()
}

// Leases are the addresses of one session. Either part may be nil. A
// Leases returned by Acquire or Transfer holds its table entries until
// Release; the one left behind by Transfer is a plain copy.
type Leases struct {
	IPv4 *IPv4Lease
	IPv6 *IPv6Lease

	held []netip.Addr // table keys this value owns
}

// Table is the lease table of the main process. The zero value is not
// usable; call NewTable. All methods are safe for concurrent use.
type Table struct {
	mu     sync.Mutex
	owners map[netip.Addr]*Leases // IPv4 remote address, or IPv6 client subnet address
	pinger Pinger
	random func([]byte)
}

// NewTable returns an empty table. pinger may be nil (ping-leases = false).
func NewTable(pinger Pinger) *Table {
	return &Table{
		owners: make(map[netip.Addr]*Leases),
		pinger: pinger,
		random: func(b []byte) { _, _ = rand.Read(b) },
	}
}

// Acquire picks the session's addresses and records them. IPv4 is chosen
// first; failing either family fails the whole request and leaves the
// table unchanged, as ocserv refuses the session then.
func (t *Table) Acquire(req Request) (*Leases, error) {
	t.mu.Lock()
	defer t.mu.Unlock()

	l := &Leases{}
	var keys []netip.Addr
	if req.IPv4Pool.IsValid() {
		v4, key, err := t.pickIPv4(req)
		if err != nil {
			return nil, err
		}
		l.IPv4 = v4
		if key.IsValid() {
			keys = append(keys, key)
		}
	}
	if req.IPv6Pool.IsValid() && req.IPv6SubnetPrefix > 0 {
		v6, key, err := t.pickIPv6(req)
		if err != nil {
			return nil, err
		}
		l.IPv6 = v6
		if key.IsValid() {
			keys = append(keys, key)
		}
	}
	if l.IPv4 == nil && l.IPv6 == nil {
		return nil, fmt.Errorf("lease: %q: %w", req.Username, ErrNoPool)
	}
	for _, k := range keys {
		t.owners[k] = l
	}
	l.held = keys
	return l, nil
}

func (t *Table) pickIPv4(req Request) (*IPv4Lease, netip.Addr, error) {
	pool := req.IPv4Pool.Masked()
	if !pool.Addr().Is4() {
		return nil, netip.Addr{}, fmt.Errorf("lease: IPv4 pool %s is not IPv4", pool)
	}
	network := pool.Addr().As4()
	m := mask(pool)
	var bcast [4]byte
	for i := range bcast {
		bcast[i] = network[i] | ^m[i]
	}
	local := ServerAddr(pool)
	usable := func(a netip.Addr) bool {
		_, taken := t.owners[a]
		return !taken && a != pool.Addr() && a != netip.AddrFrom4(bcast)
	}

	if req.ExplicitIPv4.IsValid() {
		rip := req.ExplicitIPv4.Unmap()
		if !rip.Is4() || !usable(rip) || rip == local {
			return nil, netip.Addr{}, fmt.Errorf("lease: cannot assign explicit IPv4 %s to %q: in use or invalid: %w", req.ExplicitIPv4, req.Username, ErrNoIP)
		}
		return &IPv4Lease{Local: local, Remote: rip, Pool: pool, Explicit: true}, netip.Addr{}, nil
	}

	var rnd [4]byte
	for try := 0; try < maxTries; try++ {
		switch {
		case try == 0:
			rnd = req.Seed
		case try <= fixedTries:
			// The previous candidate, already masked into the pool, is hashed.
			h := sha1.Sum(rnd[:])
			copy(rnd[:], h[:4])
		default:
			t.random(rnd[:])
		}
		for i := range rnd {
			rnd[i] = rnd[i]&^m[i] | network[i]
		}
		cand := netip.AddrFrom4(rnd)
		if !usable(cand) || cand == local {
			continue
		}
		if t.pinger != nil && t.pinger.InUse(cand) {
			continue
		}
		return &IPv4Lease{Local: local, Remote: cand, Pool: pool}, cand, nil
	}
	return nil, netip.Addr{}, fmt.Errorf("lease: could not figure out a valid IPv4 address for %q in %s: %w", req.Username, pool, ErrNoIP)
}

func (t *Table) pickIPv6(req Request) (*IPv6Lease, netip.Addr, error) {
	pool := req.IPv6Pool.Masked()
	sub := req.IPv6SubnetPrefix
	if !pool.Addr().Is6() || sub > 128 || sub < pool.Bits() {
		return nil, netip.Addr{}, fmt.Errorf("lease: IPv6 pool %s with subnet prefix %d is invalid", pool, sub)
	}
	network := pool.Addr().As16()
	m := mask(pool)
	local := ServerAddr(pool)
	// A client block is usable when nobody holds it and it does not
	// contain the server end. ocserv 1.1.6 means to refuse the network's
	// own block but its comparison never matches (observed: a client got
	// fd00:50:: in fd00:50::/120), so with /128 blocks the network
	// address itself is handed out as it is there.
	usable := func(a netip.Addr) (netip.Addr, bool) {
		block := netip.PrefixFrom(a, sub).Masked()
		_, taken := t.owners[block.Addr()]
		return block.Addr(), !taken && !block.Contains(local)
	}

	if req.ExplicitIPv6.IsValid() {
		rip := req.ExplicitIPv6
		if !rip.Is6() || rip.Is4In6() {
			return nil, netip.Addr{}, fmt.Errorf("lease: explicit IPv6 %s for %q is not IPv6: %w", rip, req.Username, ErrNoIP)
		}
		if _, ok := usable(rip.WithZone("")); !ok {
			return nil, netip.Addr{}, fmt.Errorf("lease: cannot assign explicit IPv6 %s to %q: in use or invalid: %w", rip, req.Username, ErrNoIP)
		}
		return &IPv6Lease{Local: local, Remote: rip.WithZone(""), Prefix: sub, Pool: pool, Explicit: true}, netip.Addr{}, nil
	}

	var rnd [16]byte
	for try := 0; try < maxTries; try++ {
		switch {
		case try == 0:
			h := sha1.Sum(req.Seed[:])
			copy(rnd[:], h[:16])
		case try <= fixedTries:
			// ocserv clears the candidate before hashing it, so every
			// derived try is SHA-1 of 16 zero bytes.
			var zero [16]byte
			h := sha1.Sum(zero[:])
			copy(rnd[:], h[:16])
		default:
			t.random(rnd[:])
		}
		for i := range rnd {
			rnd[i] = rnd[i]&^m[i] | network[i]
		}
		cand := netip.AddrFrom16(rnd)
		key, ok := usable(cand)
		if !ok {
			continue
		}
		return &IPv6Lease{Local: local, Remote: cand, Prefix: sub, Pool: pool}, key, nil
	}
	return nil, netip.Addr{}, fmt.Errorf("lease: could not figure out a valid IPv6 address for %q in %s: %w", req.Username, pool, ErrNoIP)
}

// Release frees the table entries l holds. It is idempotent, ignores nil,
// and never frees an entry that has since moved to another Leases.
func (t *Table) Release(l *Leases) {
	if l == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range l.held {
		if t.owners[k] == l {
			delete(t.owners, k)
		}
	}
	l.held = nil
}

// Transfer moves from's addresses to a new Leases for the session that
// took over the cookie (ocserv's steal_ip_leases). from keeps a copy of
// the addresses, for its disconnect script, but no longer holds them:
// releasing it afterwards frees nothing. Transfer(nil) returns nil.
func (t *Table) Transfer(from *Leases) *Leases {
	if from == nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	to := &Leases{IPv4: from.IPv4, IPv6: from.IPv6, held: from.held}
	for _, k := range to.held {
		if t.owners[k] == from {
			t.owners[k] = to
		}
	}
	from.held = nil
	if from.IPv4 != nil {
		c := *from.IPv4
		from.IPv4 = &c
	}
	if from.IPv6 != nil {
		c := *from.IPv6
		from.IPv6 = &c
	}
	return to
}

// InUse reports whether addr is leased: an IPv4 client address, or any
// address inside a leased IPv6 client block.
func (t *Table) InUse(addr netip.Addr) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.owners[addr]; ok {
		return true
	}
	if addr.Is6() {
		for k, l := range t.owners {
			if k.Is6() && l.IPv6 != nil && l.IPv6.Subnet().Contains(addr) {
				return true
			}
		}
	}
	return false
}

// Len is the number of table entries (tracked IPv4 and IPv6 leases).
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.owners)
}
