package radius

import (
	"fmt"

	"layeh.com/radius"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/radcli"
)

// Acct-Status-Type values.
const (
	StatusStart   = 1
	StatusStop    = 2
	StatusInterim = 3
)

// acctQueue bounds the requests waiting for the accounting server.
const acctQueue = 256

// Accounting is the acct = "radius[...]" method of one vhost. Requests are
// sent in order by one goroutine, so a slow server never blocks sec-mod;
// failures are only logged.
type Accounting struct {
	client *Client
	nasID  string
	log    Logf
	q      chan *radius.Packet
}

// AcctInfo describes one session for an accounting request.
type AcctInfo struct {
	User, UserAgent, OurIP, RemoteIP, SessionID string
	IPv4, IPv6                                  string
	BytesIn, BytesOut                           uint64 // from / to the client
	SessionTime                                 uint32
	DisconReason                                uint32 // ocserv REASON_* (Stop)
}

// NewAccounting loads the radcli configuration and starts the sender.
func NewAccounting(opts *config.RadiusOptions, logf Logf) (*Accounting, error) {
	if opts == nil || opts.Config == "" {
		return nil, fmt.Errorf("no radius configuration specified")
	}
	rc, err := radcli.Load(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("radius initialization error: %w", err)
	}
	if len(rc.AcctServers) == 0 {
		return nil, fmt.Errorf("radius initialization error: no acctserver in %s", opts.Config)
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	nas := opts.NASIdentifier
	if nas == "" {
		nas = rc.NASIdentifier
	}
	a := &Accounting{
		client: &Client{Servers: rc.AcctServers, Timeout: rc.Timeout, Retries: rc.Retries, BindAddr: rc.BindAddr},
		nasID:  nas,
		log:    logf,
		q:      make(chan *radius.Packet, acctQueue),
	}
	go a.run()
	return a, nil
}

func (a *Accounting) run() {
	for p := range a.q {
		if _, err := a.client.Exchange(p); err != nil {
			a.log("radius-acct: %v", err)
		}
	}
}

func (a *Accounting) send(p *radius.Packet) {
	select {
	case a.q <- p:
	default:
		a.log("radius-acct: queue full, request dropped")
	}
}

// TermCause maps ocserv's disconnect reason to Acct-Terminate-Cause.
func TermCause(reason uint32) uint32 {
	switch reason {
	case 2: // user disconnected
		return 1 // User-Request
	case 3: // server disconnect
		return 6 // Admin-Reset
	case 4:
		return 4 // Idle-Timeout
	case 7:
		return 5 // Session-Timeout
	case 5: // DPD timeout
		return 2 // Lost-Carrier
	case 6:
		return 17 // User-Error
	}
	return 3 // Lost-Service
}

// Packet builds the Accounting-Request of the given status (radius.md §5).
func (a *Accounting) Packet(status uint32, i *AcctInfo) *radius.Packet {
	p := radius.New(radius.CodeAccountingRequest, nil)
	p.Add(attrAcctStatusType, radius.NewInteger(status))
	if status == StatusStart && i.UserAgent != "" {
		p.Add(attrConnectInfo, radius.Attribute(i.UserAgent))
	}
	if status == StatusStop {
		p.Add(attrAcctTermCause, radius.NewInteger(TermCause(i.DisconReason)))
	}
	nasAttrs(p, i.OurIP, a.nasID)
	p.Add(attrUserName, radius.Attribute(i.User))
	p.Add(attrServiceType, radius.NewInteger(serviceFramed))
	p.Add(attrFramedProtocol, radius.NewInteger(1))
	if status != StatusStart {
		if ip, err := radius.NewIPAddr(parseIP(i.IPv4)); err == nil && i.IPv4 != "" {
			p.Add(attrFramedIPAddress, ip)
		}
	}
	if i.IPv6 != "" {
		if ip, err := radius.NewIPv6Addr(parseIP(i.IPv6)); err == nil {
			p.Add(attrFramedIPv6Address, ip)
		}
	}
	p.Add(attrCallingStationID, radius.Attribute(i.RemoteIP))
	p.Add(attrAcctSessionID, radius.Attribute(i.SessionID))
	p.Add(attrAcctAuthentic, radius.NewInteger(1))
	if status != StatusStart {
		if i.SessionTime > 0 {
			p.Add(attrAcctSessionTime, radius.NewInteger(i.SessionTime))
		}
		p.Add(attrAcctInputOctets, radius.NewInteger(uint32(i.BytesIn)))
		p.Add(attrAcctOutputOctets, radius.NewInteger(uint32(i.BytesOut)))
		p.Add(attrAcctInputGiga, radius.NewInteger(uint32(i.BytesIn>>32)))
		p.Add(attrAcctOutputGiga, radius.NewInteger(uint32(i.BytesOut>>32)))
	}
	p.Add(attrAcctDelayTime, radius.NewInteger(0))
	return p
}

// Start reports a session's opening.
func (a *Accounting) Start(i *AcctInfo) { a.send(a.Packet(StatusStart, i)) }

// Interim reports a session's counters.
func (a *Accounting) Interim(i *AcctInfo) { a.send(a.Packet(StatusInterim, i)) }

// Stop reports the end of a session: a final Interim-Update, then Stop.
func (a *Accounting) Stop(i *AcctInfo) {
	a.send(a.Packet(StatusInterim, i))
	a.send(a.Packet(StatusStop, i))
}
