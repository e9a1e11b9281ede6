package hostile

// Slowloris at each pre-auth stage: hundreds of sockets that stay open and
// idle (TCP only), stop in the middle of a TLS ClientHello, or stop in the
// middle of an HTTP request after the handshake. While they are held, a
// real openconnect user must log in and ping through the tunnel, and the
// server must keep running. max-clients is raised above the number of
// attack sockets so the admin limit is not what refuses the user.

import (
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// slowlorisSockets is the number of attack sockets per stage (hundreds,
// not thousands: the machine is shared).
const slowlorisSockets = 200

// slowlorisStage opens the attack sockets of one stage from ns.
type slowlorisStage struct {
	name string
	open func(ns, addr string) ([]net.Conn, error)
}

var slowlorisStages = []slowlorisStage{
	{"tcp-idle", func(ns, addr string) ([]net.Conn, error) {
		return nsDialMany(ns, addr, slowlorisSockets, 60*time.Second)
	}},
	{"half-clienthello", func(ns, addr string) ([]net.Conn, error) {
		cs, err := nsDialMany(ns, addr, slowlorisSockets, 60*time.Second)
		for _, c := range cs {
			c.SetWriteDeadline(time.Now().Add(2 * time.Second))
			c.Write(slowlorisHalfHello())
		}
		return cs, err
	}},
	{"half-http", func(ns, addr string) ([]net.Conn, error) {
		cs, err := nsDialMany(ns, addr, slowlorisSockets, 60*time.Second)
		var out []net.Conn
		for i, c := range cs {
			tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
			tc.SetDeadline(time.Now().Add(10 * time.Second))
			if herr := tc.Handshake(); herr != nil {
				closeAll(cs[i:])
				return out, fmt.Errorf("handshake %d: %w", i, herr)
			}
			tc.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Len"))
			tc.SetDeadline(time.Time{})
			out = append(out, tc)
		}
		return out, err
	}},
}

// slowlorisHalfHello is the first part of a TLS record that announces a
// 512-byte ClientHello: the record header, the handshake header and a few
// bytes of the body, never completed.
func slowlorisHalfHello() []byte {
	b := []byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03}
	for i := 0; i < 32; i++ {
		b = append(b, byte(i))
	}
	return b
}

func TestHostileSlowloris(t *testing.T) {
	res := compareServers(t, func(t *testing.T, kind serverKind) map[string]string {
		r := newRig(t, 2)
		cfg := r.NewConfig().Set("max-clients", "1024")
		srv := startServer(t, r, kind, cfg)
		out := map[string]string{}
		for _, st := range slowlorisStages {
			out[st.name] = slowlorisRun(t, r, srv, st)
			t.Logf("%s: %d sockets held; real user: %s", st.name, slowlorisSockets, slowlorisOrOK(out[st.name]))
		}
		return out
	})
	for stage, e := range res[ourServer] {
		if e != "" {
			t.Errorf("ours, slowloris %s: %s (real ocserv: %s)", stage, e, slowlorisOrOK(res[realServer][stage]))
		}
	}
}

func slowlorisOrOK(s string) string {
	if s == "" {
		return "ok"
	}
	return s
}

// slowlorisRun holds the sockets of one stage while bob logs in with
// openconnect from link 1 and pings, and returns "" or what went wrong.
func slowlorisRun(t *testing.T, r *rig.Rig, srv *rig.Server, st slowlorisStage) string {
	t.Helper()
	cs, err := st.open(r.Link(0).NS, serverAddr(r, 0))
	defer closeAll(cs)
	if err != nil && len(cs) < slowlorisSockets/2 {
		return fmt.Sprintf("only %d attack sockets opened: %v", len(cs), err)
	}
	time.Sleep(2 * time.Second) // let the server take them all in
	var problems []string
	c := r.StartClient(rig.ClientOptions{Link: 1, User: "bob", Password: "secret", NoDTLS: true})
	if err := c.WaitUp(30 * time.Second); err != nil {
		problems = append(problems, fmt.Sprintf("openconnect did not get a tunnel: %v: %s", err, tailString(c.Log(), 5)))
	} else if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
		problems = append(problems, fmt.Sprintf("ping through the tunnel: %v", err))
	}
	c.Disconnect()
	if len(problems) > 0 {
		t.Logf("server log after the failure:\n%s", tailString(srv.Log(), 15))
	}
	if !srv.Running() {
		problems = append(problems, "the server exited: "+tailString(srv.Log(), 10))
	}
	closeAll(cs)
	// The attack's workers go away once their sockets close.
	if !rig.WaitFor(30*time.Second, func() bool { return len(serverProcs(t, r, "ocserv-worker")) == 0 }) {
		problems = append(problems, fmt.Sprintf("%d workers left 30 s after the attack sockets closed", len(serverProcs(t, r, "ocserv-worker"))))
	}
	return strings.Join(problems, "; ")
}
