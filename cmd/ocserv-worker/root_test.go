package main

import (
	"strings"
	"testing"

	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// TestRootAllowed: a worker running as root goes on only when run-as-user
// is unset or names uid 0 (root, as ocserv allows); a non-root run-as-user
// (main's privilege drop failed) or a configuration that does not load
// fails closed. Before, run-as-user = root was refused too and every login
// failed.
func TestRootAllowed(t *testing.T) {
	const base = "auth = \"plain[passwd=/dev/null]\"\ntcp-port = 443\nsocket-file = /run/ocserv-test.sock\n" +
		"server-cert = /dev/null\nserver-key = /dev/null\nipv4-network = 192.168.1.0\nipv4-netmask = 255.255.255.0\ndevice = vpns\n"
	for _, tt := range []struct {
		name, conf string
		wantErr    string // "" for allowed
	}{
		{"run-as-user unset", base, ""},
		{"run-as-user root", base + "run-as-user = root\nrun-as-group = root\n", ""},
		{"run-as-user nobody", base + "run-as-user = nobody\n", "run-as-user nobody is uid"},
		{"run-as-user the worker cannot resolve", base + "run-as-user = no-such-user-x1\n", "run-as-user no-such-user-x1"},
		{"configuration does not load", "tcp-port = 443\n", "does not load"},
		{"no configuration", "", "does not load"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			st := &ipcpb.WorkerStartup{}
			if tt.conf != "" {
				st.SnapshotEntries = []*ipcpb.SnapshotEntry{{Data: []byte(tt.conf)}}
			}
			err := rootAllowed(st)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}
