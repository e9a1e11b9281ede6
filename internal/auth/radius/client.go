package radius

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"layeh.com/radius"

	"github.com/ocserv-go/ocserv/internal/radcli"
)

// Attribute numbers used by ocserv (RFC 2865/2866/2869/3162/6911).
const (
	attrUserName          radius.Type = 1
	attrUserPassword      radius.Type = 2
	attrNASIPAddress      radius.Type = 4
	attrServiceType       radius.Type = 6
	attrFramedProtocol    radius.Type = 7
	attrFramedIPAddress   radius.Type = 8
	attrFramedIPNetmask   radius.Type = 9
	attrReplyMessage      radius.Type = 18
	attrFramedRoute       radius.Type = 22
	attrState             radius.Type = 24
	attrClass             radius.Type = 25
	attrVendorSpecific    radius.Type = 26
	attrSessionTimeout    radius.Type = 27
	attrCallingStationID  radius.Type = 31
	attrNASIdentifier     radius.Type = 32
	attrAcctStatusType    radius.Type = 40
	attrAcctDelayTime     radius.Type = 41
	attrAcctInputOctets   radius.Type = 42
	attrAcctOutputOctets  radius.Type = 43
	attrAcctSessionID     radius.Type = 44
	attrAcctAuthentic     radius.Type = 45
	attrAcctSessionTime   radius.Type = 46
	attrAcctTermCause     radius.Type = 49
	attrAcctInputGiga     radius.Type = 52
	attrAcctOutputGiga    radius.Type = 53
	attrMessageAuth       radius.Type = 80
	attrNASPortType       radius.Type = 61
	attrConnectInfo       radius.Type = 77
	attrAcctInterim       radius.Type = 85
	attrNASIPv6Address    radius.Type = 95
	attrFramedIPv6Route   radius.Type = 99
	attrFramedIPv6Address radius.Type = 168
	attrDNSServerIPv6     radius.Type = 169

	vendorMicrosoft  = 311
	msPrimaryDNS     = 28
	msSecondaryDNS   = 29
	serviceFramed    = 2
	serviceAuthOnly  = 8
	maxReplySize     = 4096
	messageAuthSize  = 16
	messageAuthAVLen = 2 + messageAuthSize
)

// Client sends requests to a list of servers, trying each Retries times
// with Timeout per attempt, in order.
type Client struct {
	Servers  []radcli.Server
	Timeout  time.Duration
	Retries  int
	BindAddr string

	// maSeen holds the addresses of the servers that have sent a valid
	// Message-Authenticator; their later replies must carry one.
	maSeen sync.Map
}

// errNoReply means no server answered.
var errNoReply = errors.New("no reply from any RADIUS server")

// addMessageAuthenticator appends Message-Authenticator to an encoded
// Access-Request (whose authenticator is already final) and fills it in.
func addMessageAuthenticator(b []byte, secret []byte) []byte {
	out := make([]byte, len(b)+messageAuthAVLen)
	copy(out, b)
	out[len(b)] = byte(attrMessageAuth)
	out[len(b)+1] = messageAuthAVLen
	n := len(out)
	out[2], out[3] = byte(n>>8), byte(n)
	m := hmac.New(md5.New, secret)
	m.Write(out)
	copy(out[len(b)+2:], m.Sum(nil))
	return out
}

// errNoMessageAuth means a reply carried no Message-Authenticator.
var errNoMessageAuth = errors.New("reply without Message-Authenticator (Blast-RADIUS protection)")

// checkMessageAuthenticator verifies the Message-Authenticator of a reply
// to a request with authenticator reqAuth. A reply without one fails with
// errNoMessageAuth.
func checkMessageAuthenticator(reply, reqAuth, secret []byte) error {
	if len(reply) < 20 {
		return errors.New("short reply")
	}
	b := append([]byte(nil), reply...)
	copy(b[4:20], reqAuth)
	var got []byte
	for off := 20; off+2 <= len(b); {
		l := int(b[off+1])
		if l < 2 || off+l > len(b) {
			return errors.New("malformed attribute in reply")
		}
		if radius.Type(b[off]) == attrMessageAuth {
			if l != messageAuthAVLen || got != nil {
				return errors.New("bad Message-Authenticator in reply")
			}
			got = append([]byte(nil), b[off+2:off+l]...)
			clear(b[off+2 : off+l])
		}
		off += l
	}
	if got == nil {
		return errNoMessageAuth
	}
	m := hmac.New(md5.New, secret)
	m.Write(b)
	if !hmac.Equal(m.Sum(nil), got) {
		return errors.New("wrong Message-Authenticator in reply")
	}
	return nil
}

// Exchange sends p (an Access-Request or Accounting-Request) and returns
// the authentic reply. Access-Requests get a Message-Authenticator; a
// Message-Authenticator in a reply must be valid. A reply without one is
// accepted (radcli 1.2.11 and freeradius 3.2.1 neither check nor send
// it) unless that server has sent a valid one before: from then on it
// is required (as freeradius' require_message_authenticator = auto).
func (c *Client) Exchange(p *radius.Packet) (*radius.Packet, error) {
	var last error = errNoReply
	for _, srv := range c.Servers {
		if srv.Secret == "" {
			// radcli: rc_send_server "unable to find server".
			why := srv.NoSecret
			if why == nil {
				why = errors.New("no shared secret")
			}
			last = fmt.Errorf("radius: unable to find server %s: %w", srv.Addr, why)
			continue
		}
		secret := []byte(srv.Secret)
		q := *p
		q.Secret = secret
		q.Attributes = append(radius.Attributes(nil), p.Attributes...)
		var id [1]byte
		_, _ = rand.Read(id[:])
		q.Identifier = id[0]
		if q.Code == radius.CodeAccessRequest {
			// User-Password is hidden with this server's secret.
			q.Attributes = nil
			for _, a := range p.Attributes {
				if a.Type == attrUserPassword {
					hidden, err := radius.NewUserPassword(a.Attribute, secret, q.Authenticator[:])
					if err != nil {
						return nil, fmt.Errorf("radius: %w", err)
					}
					q.Attributes = append(q.Attributes, &radius.AVP{Type: attrUserPassword, Attribute: hidden})
					continue
				}
				q.Attributes = append(q.Attributes, a)
			}
		}
		raw, err := q.Encode()
		if err != nil {
			return nil, fmt.Errorf("radius: encoding request: %w", err)
		}
		if q.Code == radius.CodeAccessRequest {
			raw = addMessageAuthenticator(raw, secret)
		}
		tries := c.Retries
		if tries <= 0 {
			tries = 1
		}
		for i := 0; i < tries; i++ {
			rep, err := c.once(srv.Addr, raw, secret)
			if err == nil {
				return rep, nil
			}
			last = fmt.Errorf("radius server %s: %w", srv.Addr, err)
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				break
			}
		}
	}
	return nil, last
}

func (c *Client) once(addr string, raw, secret []byte) (*radius.Packet, error) {
	d := net.Dialer{}
	if c.BindAddr != "" && c.BindAddr != "*" {
		if ip := net.ParseIP(c.BindAddr); ip != nil {
			d.LocalAddr = &net.UDPAddr{IP: ip}
		}
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = 3 * time.Second
	}
	conn, err := d.Dial("udp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return nil, err
	}
	if _, err := conn.Write(raw); err != nil {
		return nil, err
	}
	buf := make([]byte, maxReplySize)
	for n := 0; n < 16; n++ { // ignore at most a few stray datagrams
		k, err := conn.Read(buf)
		if err != nil {
			return nil, err
		}
		rep := buf[:k]
		if k < 20 || rep[1] != raw[1] || !radius.IsAuthenticResponse(rep, raw, secret) {
			continue
		}
		if raw[0] == byte(radius.CodeAccessRequest) {
			switch err := checkMessageAuthenticator(rep, raw[4:20], secret); {
			case err == nil:
				c.maSeen.Store(addr, true)
			case errors.Is(err, errNoMessageAuth):
				if _, seen := c.maSeen.Load(addr); seen {
					return nil, err
				}
			default:
				return nil, err
			}
		}
		p, err := radius.Parse(append([]byte(nil), rep...), secret)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
	return nil, errors.New("no valid reply")
}

func parseIP(s string) net.IP { return net.ParseIP(s) }
