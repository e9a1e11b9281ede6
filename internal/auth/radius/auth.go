package radius

import (
	"fmt"
	"net"
	"strings"
	"sync"

	"layeh.com/radius"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/radcli"
)

const (
	maxPasswordTries = 3  // Access-Requests per login before failing
	maxChallenges    = 16 // Access-Challenge rounds per login
)

// Logf reports module events.
type Logf func(format string, args ...any)

// Module is the radius authentication method of one vhost.
type Module struct {
	rc     *radcli.Config
	client *Client
	nasID  string
	log    Logf
}

// New loads the radcli configuration named by opts (radius initialization).
func New(opts *config.RadiusOptions, logf Logf) (*Module, error) {
	if opts == nil || opts.Config == "" {
		return nil, fmt.Errorf("no radius configuration specified")
	}
	rc, err := radcli.Load(opts.Config)
	if err != nil {
		return nil, fmt.Errorf("radius initialization error: %w", err)
	}
	if logf == nil {
		logf = func(string, ...any) {}
	}
	nas := opts.NASIdentifier
	if nas == "" {
		nas = rc.NASIdentifier
	}
	return &Module{
		rc:     rc,
		client: &Client{Servers: rc.AuthServers, Timeout: rc.Timeout, Retries: rc.Retries, BindAddr: rc.BindAddr},
		nasID:  auth.Truncate(nas, 64),
		log:    logf,
	}, nil
}

func (m *Module) Name() string                 { return config.MethodRadius }
func (m *Module) Type() uint32                 { return auth.TypeRadius }
func (m *Module) AllowsRetries() bool          { return true }
func (m *Module) GroupList() ([]string, error) { return nil, nil }

// Init starts a login: a password is always needed.
func (m *Module) Init(info auth.InitInfo) (auth.Session, auth.Result, error) {
	if len(m.rc.AuthServers) == 0 {
		return nil, auth.Failed, fmt.Errorf("radius: no authserver in %s", m.rc.Path)
	}
	return &Session{m: m, info: info}, auth.Continue, nil
}

// Session is one RADIUS login.
type Session struct {
	m    *Module
	info auth.InitInfo

	mu         sync.Mutex
	msg        string
	counter    uint32
	tries      int
	challenges int
	state      []byte
	suggested  string
	accept     *Accept
	group      string
}

// nasAttrs adds NAS-IP-Address (or NAS-IPv6-Address) and NAS-Identifier.
func nasAttrs(p *radius.Packet, ourIP, nasID string) {
	if ip := net.ParseIP(ourIP); ip != nil {
		if v4 := ip.To4(); v4 != nil {
			p.Add(attrNASIPAddress, radius.Attribute(v4))
		} else {
			p.Add(attrNASIPv6Address, radius.Attribute(ip.To16()))
		}
	}
	if nasID != "" {
		p.Add(attrNASIdentifier, radius.Attribute(nasID))
	}
}

// request builds the Access-Request of radius.md §3 (the password is in
// clear here; Client.Exchange hides it).
func (s *Session) request(password string) *radius.Packet {
	p := radius.New(radius.CodeAccessRequest, nil)
	user := s.info.Username
	if r := s.m.rc.DefaultRealm; r != "" && !strings.Contains(user, "@") {
		user += "@" + r
	}
	p.Add(attrUserName, radius.Attribute(user))
	p.Add(attrUserPassword, radius.Attribute(password))
	nasAttrs(p, s.info.OurIP, s.m.nasID)
	if s.info.IP != "" {
		p.Add(attrCallingStationID, radius.Attribute(s.info.IP))
	}
	if s.info.UserAgent != "" {
		p.Add(attrConnectInfo, radius.Attribute(s.info.UserAgent))
	}
	p.Add(attrServiceType, radius.NewInteger(serviceAuthOnly))
	p.Add(attrNASPortType, radius.NewInteger(0))
	if s.state != nil {
		p.Add(attrState, radius.Attribute(s.state))
	}
	return p
}

// Pass sends one Access-Request and interprets the reply.
func (s *Session) Pass(password string) auth.Result {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(password) > 128 {
		password = password[:128] // User-Password holds at most 128 bytes
	}
	rep, err := s.m.client.Exchange(s.request(password))
	s.state = nil
	if err != nil {
		s.m.log("radius-auth: %v", err)
		return s.reject("")
	}
	reply := radius.String(rep.Get(attrReplyMessage))
	switch rep.Code {
	case radius.CodeAccessAccept:
		a := ParseAccept(rep, s.m.rc.Dict)
		if a.ServiceType != 0 && a.ServiceType != serviceFramed {
			s.m.log("radius-auth: server returned non-framed service type (%d) for user '%s'", a.ServiceType, s.info.Username)
			return auth.Failed
		}
		switch {
		case s.suggested != "":
			ok := false
			for _, g := range a.Groups {
				if g == s.suggested {
					ok = true
				}
			}
			if !ok {
				s.m.log("radius-auth: user '%s' is not a member of group '%s'", s.info.Username, s.suggested)
				return auth.Failed
			}
			s.group = s.suggested
		case len(a.Groups) > 0:
			s.group = a.Groups[0]
		}
		s.accept = a
		s.msg = ""
		return auth.OK
	case radius.CodeAccessChallenge:
		st := rep.Get(attrState)
		s.challenges++
		if st == nil || reply == "" || s.challenges > maxChallenges {
			s.m.log("radius-auth: invalid Access-Challenge for user '%s'", s.info.Username)
			return auth.Failed
		}
		s.state = append([]byte(nil), st...)
		s.msg = reply
		s.counter++
		return auth.Continue
	}
	return s.reject(reply)
}

// reject handles an Access-Reject or an unreachable server: another
// prompt while tries remain and no challenge round happened.
func (s *Session) reject(reply string) auth.Result {
	s.tries++
	if s.challenges > 0 || s.tries >= maxPasswordTries {
		return auth.Failed
	}
	if reply != "" {
		s.msg = reply
	} else {
		s.msg = auth.MsgLoginFailed
	}
	s.counter = 0
	return auth.Continue
}

// Prompt is the next form's text and counter.
func (s *Session) Prompt() auth.Prompt {
	s.mu.Lock()
	defer s.mu.Unlock()
	return auth.Prompt{Msg: s.msg, Counter: s.counter}
}

// Group is called when the login starts, before the server has named any
// group: the suggestion is remembered and checked against the Accept's
// Class.
func (s *Session) Group(suggested string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accept != nil {
		if suggested == "" {
			return s.group, nil
		}
		for _, g := range s.accept.Groups {
			if g == suggested {
				return g, nil
			}
		}
		return "", auth.ErrNotMember
	}
	s.suggested = suggested
	return suggested, nil
}

// FinalGroup is the session's group once the Accept arrived.
func (s *Session) FinalGroup() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.group, s.accept != nil
}

// User returns the User-Name of the Accept, when it sent one.
func (s *Session) User() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accept != nil && s.accept.UserName != "" {
		return s.accept.UserName, true
	}
	return "", false
}

// Accepted returns the Access-Accept's settings (nil before success).
func (s *Session) Accepted() *Accept {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accept
}

// Close releases nothing: no state outlives the session.
func (s *Session) Close() {}
