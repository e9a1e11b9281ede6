package hostile

// Oversized and abusive pre-auth HTTP. ocserv's limits, read in its public
// source (worker-vpn.c, worker-http.c and the bundled http-parser):
//
//   - all request headers together: HTTP_MAX_HEADER_SIZE, 80 KiB (a longer
//     header block is a parse error and the worker exits);
//   - the body: no limit of its own; http_body_cb grows the buffer for
//     every byte the client sends (a 1 GiB Content-Length is buffered);
//   - MAX_HTTP_REQUESTS, 16 requests per connection, then the worker exits;
//   - the request target: url[256].
//
// Ours must drop what ocserv drops (or drop it earlier), never answer a
// pipelined request, and keep the worker's memory bounded, in particular
// refuse a 1 GiB POST at once where ocserv buffers what it is sent.

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// httpOutcome is what a server did with one oversized request.
type httpOutcome struct {
	Dropped   bool  // closed the connection within 10 s of the request
	Responses int   // HTTP responses read before that
	Status    int   // status of the first response (0: none)
	Sent      int64 // bytes the attacker could write
	MaxRSSkB  int64 // largest worker VmRSS seen meanwhile
}

func (o httpOutcome) String() string {
	return fmt.Sprintf("dropped=%v responses=%d status=%d sent=%d maxRSS=%dkB", o.Dropped, o.Responses, o.Status, o.Sent, o.MaxRSSkB)
}

// httpCase writes an attack on a fresh TLS connection.
type httpCase struct {
	name string
	// mustDrop: ours must close the connection (ocserv does, or should).
	mustDrop bool
	send     func(c *rawConn) (int64, error)
}

var httpCases = []httpCase{
	{"1MiB-header-line", true, func(c *rawConn) (int64, error) {
		return writeChunks(c, []byte("GET / HTTP/1.1\r\nHost: x\r\nX-Big: "), 1<<20, 20*time.Second)
	}},
	{"20000-headers", true, func(c *rawConn) (int64, error) {
		var b bytes.Buffer
		b.WriteString("GET / HTTP/1.1\r\nHost: x\r\n")
		for i := 0; i < 20000; i++ {
			fmt.Fprintf(&b, "X-H%d: v\r\n", i)
		}
		b.WriteString("\r\n")
		return writeChunks(c, b.Bytes(), 0, 20*time.Second)
	}},
	{"100KiB-of-headers", true, func(c *rawConn) (int64, error) {
		// 14 lines of 7,500 bytes: each short, together above 80 KiB.
		var b bytes.Buffer
		b.WriteString("GET / HTTP/1.1\r\nHost: x\r\n")
		for i := 0; i < 14; i++ {
			fmt.Fprintf(&b, "X-H%d: %s\r\n", i, strings.Repeat("v", 7500))
		}
		b.WriteString("\r\n")
		return writeChunks(c, b.Bytes(), 0, 20*time.Second)
	}},
	{"1GiB-content-length", true, func(c *rawConn) (int64, error) {
		head := "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/xml\r\nContent-Length: 1073741824\r\n\r\n"
		// Bounded: at most 128 MiB or 8 s of body.
		return writeChunks(c, []byte(head), 128<<20, 8*time.Second)
	}},
}

// httpProbe runs one case against the server and reports the outcome.
func httpProbe(t *testing.T, r *rig.Rig, hc httpCase) httpOutcome {
	t.Helper()
	c, err := rawTLS(r, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sample := memSampler(t, r)
	var o httpOutcome
	o.Sent, _ = hc.send(c)
	o.Dropped, o.Responses, o.Status = readUntilClosed(c, 10*time.Second)
	var samples int
	if o.MaxRSSkB, samples = sample(); samples == 0 {
		t.Fatalf("%s: no ocserv-worker was measured (the memory bound would prove nothing)", hc.name)
	}
	return o
}

func TestHostileHTTPLimits(t *testing.T) {
	res := compareServers(t, func(t *testing.T, kind serverKind) map[string]httpOutcome {
		r := newRig(t, 1)
		srv := startServer(t, r, kind, r.NewConfig())
		out := map[string]httpOutcome{}
		for _, hc := range httpCases {
			out[hc.name] = httpProbe(t, r, hc)
			t.Logf("%s: %v", hc.name, out[hc.name])
		}
		if !srv.Running() {
			t.Fatalf("the server exited\n%s", tailString(srv.Log(), 20))
		}
		c, err := rawTLS(r, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		if _, err := c.login("alice", "secret"); err != nil {
			t.Fatalf("a normal login after the attacks: %v", err)
		}
		return out
	})
	ours, ok := res[ourServer]
	if !ok {
		return
	}
	for _, hc := range httpCases {
		o, real := ours[hc.name], res[realServer][hc.name]
		if hc.mustDrop && !o.Dropped {
			t.Errorf("ours, %s: connection not dropped within 10 s (%v; real ocserv: %v)", hc.name, o, real)
		}
		if o.Responses > 0 && o.Status == 200 {
			t.Errorf("ours, %s: answered 200 to an oversized request (%v)", hc.name, o)
		}
		if o.MaxRSSkB > workerRSSBound {
			t.Errorf("ours, %s: worker RSS reached %d kB, bound %d kB (real ocserv: %d kB)", hc.name, o.MaxRSSkB, workerRSSBound, real.MaxRSSkB)
		}
	}
	// Where ours is better: the 1 GiB POST is refused at once, ocserv
	// buffers what it gets.
	if o := ours["1GiB-content-length"]; o.Sent >= 128<<20 {
		t.Errorf("ours accepted the whole 128 MiB of a 1 GiB POST body (%v)", o)
	}
}

// TestHostileHTTPPipelining sends two requests in one write and 17
// sequential requests on one connection: ours must answer at most the
// first of the pipelined pair (it refuses pipelining) and at most 16
// requests per connection (ocserv's MAX_HTTP_REQUESTS).
func TestHostileHTTPPipelining(t *testing.T) {
	type result struct{ pipelined, sequential int }
	res := compareServers(t, func(t *testing.T, kind serverKind) result {
		r := newRig(t, 1)
		startServer(t, r, kind, r.NewConfig())
		var out result
		c, err := rawTLS(r, 0)
		if err != nil {
			t.Fatal(err)
		}
		get := c.httpRequest("GET", "/", nil, nil)
		if err := c.send(append(append([]byte{}, get...), get...), 5*time.Second); err != nil {
			t.Fatal(err)
		}
		_, out.pipelined, _ = readUntilClosed(c, 4*time.Second)
		c.Close()

		c, err = rawTLS(r, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		for i := 0; i < 17; i++ {
			res, err := c.roundTrip("GET", "/", nil, nil)
			if err != nil || res.Status == 0 {
				break
			}
			out.sequential++
		}
		t.Logf("pipelined pair: %d responses; sequential: %d of 17 answered", out.pipelined, out.sequential)
		return out
	})
	o, ok := res[ourServer]
	if !ok {
		return
	}
	if o.pipelined > 1 {
		t.Errorf("ours answered %d responses to two pipelined requests, want at most 1 (real ocserv: %d)", o.pipelined, res[realServer].pipelined)
	}
	if o.sequential > 16 {
		t.Errorf("ours answered %d requests on one connection, ocserv's limit is 16", o.sequential)
	}
}
