package worker

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// TestLogPrefix: the worker's lines read as ocserv's oclog forms them,
// "worker: IP msg" before the user is known and "worker[user]: IP msg"
// after (seen in the real ocserv 1.1.6's -d 3 log), with the vhost forms
// when there is more than one vhost.
func TestLogPrefix(t *testing.T) {
	def := &config.Vhost{Name: "default"}
	other := &config.Vhost{Name: "vpn.example"}
	tests := []struct {
		name          string
		cfg           *config.Config
		vhost         *config.Vhost
		before, after string
	}{
		{"no vhosts", &config.Config{Vhosts: []*config.Vhost{def}}, def,
			"ocserv[7]: worker: 192.0.2.1 TLS handshake completed\n",
			"ocserv[7]: worker[alice]: 192.0.2.1 received BYE packet; exiting\n"},
		{"default vhost", &config.Config{Vhosts: []*config.Vhost{def, other}}, def,
			"ocserv[7]: worker[vhost:default]: 192.0.2.1 TLS handshake completed\n",
			"ocserv[7]: worker[alice]: 192.0.2.1 received BYE packet; exiting\n"},
		{"named vhost", &config.Config{Vhosts: []*config.Vhost{def, other}}, other,
			"ocserv[7]: worker[vhost:vpn.example]: 192.0.2.1 TLS handshake completed\n",
			"ocserv[7]: worker[vhost:vpn.example: alice]: 192.0.2.1 received BYE packet; exiting\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			base := logx.NewWithOptions("worker", logx.Options{Level: 3, Stderr: &buf, NoSyslog: true, PID: 7})
			w := &worker{log: base, remoteIP: "192.0.2.1", cfg: tc.cfg, vhost: tc.cfg.Default()}
			w.relog() // as Run does at start
			w.vhost = tc.vhost
			w.relog() // as GetConfigForClient does
			w.log.Debugf("TLS handshake completed")
			if got := buf.String(); got != tc.before {
				t.Errorf("before login: %q, want %q", got, tc.before)
			}
			buf.Reset()
			w.setUsername("alice")
			w.log.Infof("received BYE packet; exiting")
			if got := buf.String(); got != tc.after {
				t.Errorf("after login: %q, want %q", got, tc.after)
			}
			if strings.Count(buf.String(), "worker") != 1 {
				t.Errorf("doubled prefix: %q", buf.String())
			}
		})
	}
}
