package e2e

import (
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// TestPolicyRateLimit: with rate-limit-ms set, clients arriving together
// are all served: rate limiting only delays accepts, never refuses, and
// ocserv delays only while sec-mod's listening socket is backlogged (more
// pending connections than half its backlog), which an idle sec-mod never
// is, so no "delaying accepts" is logged either.
func TestPolicyRateLimit(t *testing.T) {
	r := rig.New(t, rig.Options{Clients: 3})
	r.AddUser("alice", "alice-Pass-1")
	runKinds(t, func(t *testing.T, kind serverKind) {
		srv := startKind(t, r, kind, r.NewConfig().Set("rate-limit-ms", "1500"))
		defer srv.Stop()
		start := time.Now()
		var cs []*rig.Client
		for i := 0; i < 3; i++ {
			cs = append(cs, r.StartClient(rig.ClientOptions{Link: i, User: "alice", Password: "alice-Pass-1", NoDTLS: true}))
		}
		for _, c := range cs {
			if err := c.WaitUp(25 * time.Second); err != nil {
				t.Fatalf("%s: %v\n%s", c.Name, err, tailLines(c.Log(), 20))
			}
		}
		t.Logf("3 clients up in %v", time.Since(start).Round(time.Millisecond))
		if l := grepLines(srv.Log(), "delaying accepts"); l != "" {
			t.Errorf("accepts delayed although sec-mod is idle:\n%s", l)
		}
		for _, c := range cs {
			c.Disconnect()
		}
	})
}
