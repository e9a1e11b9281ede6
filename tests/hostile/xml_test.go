package hostile

// XML abuse in the auth-reply of a login: deep nesting, entity expansion
// ("billion laughs") and a 10 MB username. No login may succeed, the
// worker's memory stays bounded, the log does not balloon, the server
// keeps running and a normal login works afterwards.

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// xmlLogBound is how many bytes of log one abusive request may cause.
const xmlLogBound = 64 << 10

// xmlCase is one abusive auth-reply body.
type xmlCase struct {
	name string
	body func() []byte
}

var xmlCases = []xmlCase{
	{"deep-nesting", func() []byte {
		n := 8000
		inner := strings.Repeat("<a>", n) + "<username>alice</username>" + strings.Repeat("</a>", n)
		return []byte(fmt.Sprintf(authReplyXML, inner+"<password>wrong</password>"))
	}},
	{"entity-expansion", func() []byte {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">`)
		prev := "lol"
		for i := 1; i <= 9; i++ {
			fmt.Fprintf(&b, `<!ENTITY lol%d "%s">`, i, strings.Repeat("&"+prev+";", 10))
			prev = fmt.Sprintf("lol%d", i)
		}
		b.WriteString(`]>`)
		b.WriteString(`<config-auth client="vpn" type="auth-reply"><auth><username>&lol9;</username><password>&lol9;</password></auth></config-auth>`)
		return []byte(b.String())
	}},
	{"10MB-username", func() []byte {
		return []byte(fmt.Sprintf(authReplyXML, "<username>"+strings.Repeat("a", 10<<20)+"</username><password>wrong</password>"))
	}},
}

// xmlOutcome is what a server did with one abusive auth-reply.
type xmlOutcome struct {
	Dropped  bool
	Status   int
	Cookie   bool // a webvpn cookie was issued
	MaxRSSkB int64
	LogBytes int
}

// xmlProbe starts a login and answers the form with the case's body.
func xmlProbe(t *testing.T, r *rig.Rig, srv *rig.Server, xc xmlCase) xmlOutcome {
	t.Helper()
	c, err := rawTLS(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	res, err := c.roundTrip("POST", "/", nil, []byte(fmt.Sprintf(authInitXML, c.host)))
	if err != nil {
		t.Fatalf("init: %v", err)
	}
	var hdr []string
	if sid := cookieValue(res.Header, "webvpncontext"); sid != "" {
		hdr = append(hdr, "Cookie: webvpncontext="+sid)
	}
	logBefore := len(srv.Log())
	sample := memSampler(t, r)
	body := xc.body()
	writeChunks(c, c.httpRequest("POST", "/", hdr, body), 0, 20*time.Second)
	var o xmlOutcome
	if resp, err := c.readResponse(15 * time.Second); err == nil {
		o.Status = resp.Status
		o.Cookie = cookieValue(resp.Header, "webvpn") != ""
	}
	o.Dropped, _, _ = readUntilClosed(c, 2*time.Second)
	var samples int
	if o.MaxRSSkB, samples = sample(); samples == 0 {
		t.Fatalf("%s: no ocserv-worker was measured (the memory bound would prove nothing)", xc.name)
	}
	time.Sleep(500 * time.Millisecond) // let the log catch up
	o.LogBytes = len(srv.Log()) - logBefore
	return o
}

func TestHostileXMLAbuse(t *testing.T) {
	res := compareServers(t, func(t *testing.T, kind serverKind) map[string]xmlOutcome {
		r := newRig(t, 1)
		srv := startServer(t, r, kind, r.NewConfig())
		out := map[string]xmlOutcome{}
		for _, xc := range xmlCases {
			out[xc.name] = xmlProbe(t, r, srv, xc)
			t.Logf("%s: %+v", xc.name, out[xc.name])
		}
		if !srv.Running() {
			t.Fatalf("the server exited\n%s", tailString(srv.Log(), 20))
		}
		if n := len(serverProcs(t, r, "ocserv-sm")); n != 1 {
			t.Fatalf("sec-mod processes after the attack: %d, want 1", n)
		}
		c, err := rawTLS(r, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.login("alice", "secret"); err != nil {
			t.Fatalf("a normal login after the XML abuse: %v", err)
		}
		return out
	})
	ours, ok := res[ourServer]
	if !ok {
		return
	}
	for _, xc := range xmlCases {
		o, real := ours[xc.name], res[realServer][xc.name]
		if o.Cookie {
			t.Errorf("ours, %s: a session cookie was issued", xc.name)
		}
		if o.MaxRSSkB > workerRSSBound {
			t.Errorf("ours, %s: worker RSS reached %d kB, bound %d kB (real ocserv: %d kB)", xc.name, o.MaxRSSkB, workerRSSBound, real.MaxRSSkB)
		}
		if o.LogBytes > xmlLogBound {
			t.Errorf("ours, %s: %d bytes of log for one request, bound %d (real ocserv: %d)", xc.name, o.LogBytes, xmlLogBound, real.LogBytes)
		}
	}
}
