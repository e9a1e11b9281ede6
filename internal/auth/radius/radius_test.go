package radius

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"errors"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"layeh.com/radius"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/radcli"
)

const secret = "testing123"

// testServer answers each request with handle's packet, signed with
// Message-Authenticator when withMA. It records the requests.
type testServer struct {
	addr   string
	reqs   chan *radius.Packet
	withMA atomic.Bool
}

func startServer(t *testing.T, withMA bool, handle func(*radius.Packet) *radius.Packet) *testServer {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	ts := &testServer{addr: pc.LocalAddr().String(), reqs: make(chan *radius.Packet, 64)}
	ts.withMA.Store(withMA)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			raw := append([]byte(nil), buf[:n]...)
			req, err := radius.Parse(raw, []byte(secret))
			if err != nil {
				continue
			}
			if req.Code == radius.CodeAccessRequest {
				if err := checkMessageAuthenticator(raw, raw[4:20], []byte(secret)); err != nil {
					t.Errorf("request Message-Authenticator: %v", err)
				}
			}
			ts.reqs <- req
			rep := handle(req)
			if rep == nil {
				continue
			}
			var out []byte
			if ts.withMA.Load() && rep.Code != radius.CodeAccountingResponse {
				out = signWithMA(t, rep, req.Authenticator[:])
			} else {
				out, _ = rep.Encode()
			}
			pc.WriteTo(out, from)
		}
	}()
	return ts
}

func signWithMA(t *testing.T, rep *radius.Packet, reqAuth []byte) []byte {
	rep.Add(attrMessageAuth, make([]byte, 16))
	b, err := rep.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	copy(b[4:20], reqAuth)
	m := hmac.New(md5.New, []byte(secret))
	m.Write(b)
	copy(b[len(b)-16:], m.Sum(nil))
	h := md5.New()
	h.Write(b[:4])
	h.Write(reqAuth)
	h.Write(b[20:])
	h.Write([]byte(secret))
	copy(b[4:20], h.Sum(nil))
	return b
}

func writeConf(t *testing.T, addr string, dictMS bool) string {
	dir := t.TempDir()
	dict := "ATTRIBUTE User-Name 1 string\n"
	if dictMS {
		dict += "VENDOR Microsoft 311\nATTRIBUTE MS-Primary-DNS-Server 28 ipaddr Microsoft\n"
	}
	files := map[string]string{
		"radiusclient.conf": "authserver " + addr + "\nacctserver " + addr + "\nservers " + filepath.Join(dir, "servers") + "\ndictionary " + filepath.Join(dir, "dict") + "\nradius_timeout 1\nradius_retries 1\n",
		"servers":           "127.0.0.1 " + secret + "\n",
		"dict":              dict,
	}
	for n, s := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(dir, "radiusclient.conf")
}

func u32(v uint32) radius.Attribute { return radius.NewInteger(v) }

func newSession(t *testing.T, ts *testServer, group string) (*Module, auth.Session) {
	m, err := New(&config.RadiusOptions{Config: writeConf(t, ts.addr, true), NASIdentifier: "vpn1"}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	s, r, err := m.Init(auth.InitInfo{Username: "rad1", IP: "10.251.0.2", OurIP: "10.250.0.1", UserAgent: "Open AnyConnect VPN Agent v9.01"})
	if err != nil || r != auth.Continue {
		t.Fatalf("init: %v %v", r, err)
	}
	if _, err := s.Group(group); err != nil {
		t.Fatal(err)
	}
	return m, s
}

func TestAccessRequestAndAccept(t *testing.T) {
	ts := startServer(t, true, func(req *radius.Packet) *radius.Packet {
		rep := req.Response(radius.CodeAccessAccept)
		rep.Add(attrServiceType, u32(serviceFramed))
		rep.Add(attrClass, radius.Attribute("OU=admins;users "))
		rep.Add(attrClass, radius.Attribute("OU=ignored"))
		rep.Add(attrFramedIPAddress, radius.Attribute(net.IPv4(192, 168, 98, 77).To4()))
		rep.Add(attrFramedIPNetmask, radius.Attribute(net.IPv4(255, 255, 255, 0).To4()))
		rep.Add(attrFramedRoute, radius.Attribute("10.40.0.0/16 0.0.0.0 1"))
		rep.Add(attrFramedRoute, radius.Attribute("noslash 1"))
		rep.Add(attrFramedIPv6Route, radius.Attribute("fd42::/48 :: 1"))
		rep.Add(97, radius.Attribute([]byte{0, 64, 0xfd, 0, 0, 0, 0, 0, 0, 0})) // Framed-IPv6-Prefix: ignored
		rep.Add(28, u32(30))                                                    // Idle-Timeout: ignored
		rep.Add(attrSessionTimeout, u32(3600))
		rep.Add(attrAcctInterim, u32(7))
		for _, d := range []struct {
			typ byte
			ip  net.IP
		}{{msSecondaryDNS, net.IPv4(10, 40, 0, 54)}, {msPrimaryDNS, net.IPv4(10, 40, 0, 53)}} {
			vsa, _ := radius.NewVendorSpecific(vendorMicrosoft, append([]byte{d.typ, 6}, d.ip.To4()...))
			rep.Add(attrVendorSpecific, vsa)
		}
		rep.Add(attrDNSServerIPv6, radius.Attribute(net.ParseIP("fd40::53")))
		return rep
	})
	_, s := newSession(t, ts, "")
	if r := s.Pass("secret"); r != auth.OK {
		t.Fatalf("pass: %v", r)
	}
	req := <-ts.reqs
	var got []radius.Type
	for _, a := range req.Attributes {
		got = append(got, a.Type)
	}
	want := []radius.Type{attrUserName, attrUserPassword, attrNASIPAddress, attrNASIdentifier, attrCallingStationID, attrConnectInfo, attrServiceType, attrNASPortType, attrMessageAuth}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("request attributes %v, want %v", got, want)
	}
	if pw, _ := radius.UserPassword(req.Get(attrUserPassword), []byte(secret), req.Authenticator[:]); string(pw) != "secret" {
		t.Errorf("password %q", pw)
	}
	if v, _ := radius.Integer(req.Get(attrServiceType)); v != serviceAuthOnly {
		t.Errorf("service type %d", v)
	}
	if radius.String(req.Get(attrCallingStationID)) != "10.251.0.2" || net.IP(req.Get(attrNASIPAddress)).String() != "10.250.0.1" {
		t.Errorf("station/nas %v", req.Attributes)
	}
	a := s.(*Session).Accepted()
	wantA := &Accept{
		Groups: []string{"admins", "users"}, IPv4: "192.168.98.77", IPv4Netmask: "255.255.255.0",
		Routes: []string{"10.40.0.0/255.255.0.0", "fd42::/48"}, DNS: []string{"10.40.0.53", "10.40.0.54", "fd40::53"},
		SessionTimeout: 3600, InterimInterval: 7, ServiceType: serviceFramed,
	}
	if !reflect.DeepEqual(a, wantA) {
		t.Errorf("accept %+v\nwant %+v", a, wantA)
	}
	if g, ok := s.(*Session).FinalGroup(); !ok || g != "admins" {
		t.Errorf("group %q", g)
	}
	ss := &config.Session{DNS: []string{"1.1.1.1"}, FullTunnel: true, StatsReportTime: 360}
	a.Apply(ss, &config.Vhost{})
	if ss.ExplicitIPv4 != "192.168.98.77" || ss.FullTunnel || len(ss.Routes) != 2 || ss.DNS[0] != "10.40.0.53" || ss.StatsReportTime != 7 || ss.SessionTimeout != 3600 {
		t.Errorf("applied %+v", ss)
	}
}

func TestRejectChallengeAndBlastRADIUS(t *testing.T) {
	for _, tc := range []struct {
		name    string
		withMA  bool
		handle  func(*radius.Packet) *radius.Packet
		group   string
		steps   []auth.Result
		prompts []auth.Prompt
	}{
		{"reject three times", true, func(req *radius.Packet) *radius.Packet {
			rep := req.Response(radius.CodeAccessReject)
			rep.Add(attrReplyMessage, radius.Attribute("Wrong password"))
			return rep
		}, "", []auth.Result{auth.Continue, auth.Continue, auth.Failed}, []auth.Prompt{{Msg: "Wrong password"}, {Msg: "Wrong password"}}},
		{"reject no message", true, func(req *radius.Packet) *radius.Packet { return req.Response(radius.CodeAccessReject) },
			"", []auth.Result{auth.Continue}, []auth.Prompt{{Msg: auth.MsgLoginFailed}}},
		{"challenge then accept", true, func(req *radius.Packet) *radius.Packet {
			if st := radius.String(req.Get(attrState)); st == "s1" {
				return req.Response(radius.CodeAccessAccept)
			}
			rep := req.Response(radius.CodeAccessChallenge)
			rep.Add(attrState, radius.Attribute("s1"))
			rep.Add(attrReplyMessage, radius.Attribute("Enter OTP code"))
			return rep
		}, "", []auth.Result{auth.Continue, auth.OK}, []auth.Prompt{{Msg: "Enter OTP code", Counter: 1}}},
		{"challenge then reject ends", true, func(req *radius.Packet) *radius.Packet {
			if req.Get(attrState) != nil {
				return req.Response(radius.CodeAccessReject)
			}
			rep := req.Response(radius.CodeAccessChallenge)
			rep.Add(attrState, radius.Attribute("s1"))
			rep.Add(attrReplyMessage, radius.Attribute("OTP"))
			return rep
		}, "", []auth.Result{auth.Continue, auth.Failed}, nil},
		{"challenge without state", true, func(req *radius.Packet) *radius.Packet {
			rep := req.Response(radius.CodeAccessChallenge)
			rep.Add(attrReplyMessage, radius.Attribute("OTP"))
			return rep
		}, "", []auth.Result{auth.Failed}, nil},
		{"accept without Message-Authenticator", false, func(req *radius.Packet) *radius.Packet { return req.Response(radius.CodeAccessAccept) },
			"", []auth.Result{auth.OK}, nil},
		{"non-framed service type", true, func(req *radius.Packet) *radius.Packet {
			rep := req.Response(radius.CodeAccessAccept)
			rep.Add(attrServiceType, u32(1))
			return rep
		}, "", []auth.Result{auth.Failed}, nil},
		{"group not in Class", true, func(req *radius.Packet) *radius.Packet {
			rep := req.Response(radius.CodeAccessAccept)
			rep.Add(attrClass, radius.Attribute("OU=a;b"))
			return rep
		}, "c", []auth.Result{auth.Failed}, nil},
		{"group in Class", true, func(req *radius.Packet) *radius.Packet {
			rep := req.Response(radius.CodeAccessAccept)
			rep.Add(attrClass, radius.Attribute("OU=a;b"))
			return rep
		}, "b", []auth.Result{auth.OK}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := startServer(t, tc.withMA, tc.handle)
			_, s := newSession(t, ts, tc.group)
			for i, want := range tc.steps {
				if r := s.Pass("x"); r != want {
					t.Fatalf("step %d: %v, want %v", i, r, want)
				}
				if i < len(tc.prompts) {
					if p := s.Prompt(); p != tc.prompts[i] {
						t.Errorf("step %d prompt %+v want %+v", i, p, tc.prompts[i])
					}
				}
			}
		})
	}
}

func TestAccounting(t *testing.T) {
	ts := startServer(t, false, func(req *radius.Packet) *radius.Packet { return req.Response(radius.CodeAccountingResponse) })
	a, err := NewAccounting(&config.RadiusOptions{Config: writeConf(t, ts.addr, false), NASIdentifier: "vpn1"}, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	i := &AcctInfo{User: "u", UserAgent: "ua", OurIP: "10.250.0.1", RemoteIP: "10.251.0.2", SessionID: "34a9VBOxVrpK638NwX290AkUUmQ=",
		IPv4: "192.168.98.77", BytesIn: 5<<32 + 7, BytesOut: 9, SessionTime: 15, DisconReason: 3}
	a.Start(i)
	a.Stop(i)
	types := func(p *radius.Packet) []radius.Type {
		var out []radius.Type
		for _, x := range p.Attributes {
			out = append(out, x.Type)
		}
		return out
	}
	want := [][]radius.Type{
		{attrAcctStatusType, attrConnectInfo, attrNASIPAddress, attrNASIdentifier, attrUserName, attrServiceType, attrFramedProtocol, attrCallingStationID, attrAcctSessionID, attrAcctAuthentic, attrAcctDelayTime},
		{attrAcctStatusType, attrNASIPAddress, attrNASIdentifier, attrUserName, attrServiceType, attrFramedProtocol, attrFramedIPAddress, attrCallingStationID, attrAcctSessionID, attrAcctAuthentic, attrAcctSessionTime, attrAcctInputOctets, attrAcctOutputOctets, attrAcctInputGiga, attrAcctOutputGiga, attrAcctDelayTime},
		{attrAcctStatusType, attrAcctTermCause, attrNASIPAddress, attrNASIdentifier, attrUserName, attrServiceType, attrFramedProtocol, attrFramedIPAddress, attrCallingStationID, attrAcctSessionID, attrAcctAuthentic, attrAcctSessionTime, attrAcctInputOctets, attrAcctOutputOctets, attrAcctInputGiga, attrAcctOutputGiga, attrAcctDelayTime},
	}
	for n, w := range want {
		select {
		case p := <-ts.reqs:
			if !reflect.DeepEqual(types(p), w) {
				t.Errorf("packet %d: %v want %v", n, types(p), w)
			}
			st, _ := radius.Integer(p.Get(attrAcctStatusType))
			if st != []uint32{StatusStart, StatusInterim, StatusStop}[n] {
				t.Errorf("packet %d status %d", n, st)
			}
			if n == 2 {
				c, _ := radius.Integer(p.Get(attrAcctTermCause))
				in, _ := radius.Integer(p.Get(attrAcctInputOctets))
				g, _ := radius.Integer(p.Get(attrAcctInputGiga))
				if c != 6 || in != 7 || g != 5 || radius.String(p.Get(attrAcctSessionID)) != i.SessionID {
					t.Errorf("stop values cause=%d in=%d giga=%d", c, in, g)
				}
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("packet %d not received", n)
		}
	}
}

func TestTermCause(t *testing.T) {
	for r, c := range map[uint32]uint32{2: 1, 3: 6, 4: 4, 5: 2, 6: 17, 7: 5, 1: 3, 0: 3} {
		if got := TermCause(r); got != c {
			t.Errorf("reason %d: %d want %d", r, got, c)
		}
	}
}

func FuzzParseAccept(f *testing.F) {
	f.Add([]byte{25, 8, 'O', 'U', '=', 'a', ';', 'b', 22, 6, '1', '.', '/', '8', 26, 12, 0, 0, 1, 55, 28, 6, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, b []byte) {
		attrs, err := radius.ParseAttributes(b)
		if err != nil {
			return
		}
		a := ParseAccept(&radius.Packet{Attributes: attrs}, nil)
		if len(a.Groups) > maxGroups {
			t.Fatal("too many groups")
		}
		a.Apply(&config.Session{}, &config.Vhost{})
		reply := make([]byte, 20+len(b))
		binary.BigEndian.PutUint16(reply[2:], uint16(len(reply)))
		copy(reply[20:], b)
		_ = checkMessageAuthenticator(reply, make([]byte, 16), []byte(secret))
	})
}

// TestMessageAuthenticatorSticky: a reply without Message-Authenticator is
// accepted until the server has sent a valid one; then it is required. A
// wrong one always fails.
func TestMessageAuthenticatorSticky(t *testing.T) {
	ts := startServer(t, false, func(req *radius.Packet) *radius.Packet { return req.Response(radius.CodeAccessAccept) })
	c := &Client{Servers: []radcli.Server{{Addr: ts.addr, Secret: secret}}, Timeout: time.Second, Retries: 1}
	req := func() error {
		p := radius.New(radius.CodeAccessRequest, []byte(secret))
		p.Add(attrUserName, radius.Attribute("u"))
		_, err := c.Exchange(p)
		return err
	}
	if err := req(); err != nil {
		t.Fatalf("reply without Message-Authenticator from a new server: %v", err)
	}
	ts.withMA.Store(true)
	if err := req(); err != nil {
		t.Fatalf("reply with Message-Authenticator: %v", err)
	}
	ts.withMA.Store(false)
	if err := req(); err == nil {
		t.Fatal("reply without Message-Authenticator accepted after the server sent one")
	}
	reply := []byte{2, 1, 0, 38, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, byte(attrMessageAuth), 18}
	reply = append(reply, make([]byte, 16)...)
	if err := checkMessageAuthenticator(reply, make([]byte, 16), []byte(secret)); err == nil || errors.Is(err, errNoMessageAuth) {
		t.Fatalf("wrong Message-Authenticator: %v", err)
	}
}

// TestExchangeWithoutSecret: a server whose secret the servers file did
// not give (radcli looks it up only when sending) fails the request with
// the reason, and the next server is tried.
func TestExchangeWithoutSecret(t *testing.T) {
	ts := startServer(t, false, func(req *radius.Packet) *radius.Packet { return req.Response(radius.CodeAccessAccept) })
	why := errors.New("radcli servers file: missing")
	p := radius.New(radius.CodeAccessRequest, []byte(secret))
	p.Add(attrUserName, radius.Attribute("u"))
	c := &Client{Servers: []radcli.Server{{Addr: "127.0.0.1:9", NoSecret: why}}, Timeout: time.Second, Retries: 1}
	if _, err := c.Exchange(p); !errors.Is(err, why) {
		t.Fatalf("no secret: %v, want %v", err, why)
	}
	c.Servers = append(c.Servers, radcli.Server{Addr: ts.addr, Secret: secret})
	if _, err := c.Exchange(p); err != nil {
		t.Fatalf("second server: %v", err)
	}
}
