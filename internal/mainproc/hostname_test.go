package mainproc

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// TestWorkerHostnameCheckedAgain: main does not take a worker's word for
// the client's hostname: an invalid one (which a compromised worker could
// send) never reaches the session (scripts, occtl). 6bdcfc8 kept it as sent.
func TestWorkerHostnameCheckedAgain(t *testing.T) {
	tests := []struct{ sent, kept string }{
		{"laptop", "laptop"},
		{"x\nEVIL=1", ""},
		{"$(reboot)", ""},
		{"-rf", ""},
	}
	for _, tt := range tests {
		h := newHarness(t, "")
		w := h.worker(t)
		if err := ipc.Send(w.conn, ipc.AuthCookieReq, &ipcpb.AuthCookieRequest{Cookie: []byte("sid-alice"), Hostname: proto.String(tt.sent)}, -1); err != nil {
			t.Fatal(err)
		}
		f, err := ipc.Recv(w.conn, ipc.MaxMsgSize, 5*time.Second)
		if err != nil {
			t.Fatalf("%q: no reply to AUTH_COOKIE_REQ: %v", tt.sent, err)
		}
		f.Close()
		h.s.mu.Lock()
		got := w.p.hostname
		h.s.mu.Unlock()
		if got != tt.kept {
			t.Errorf("worker said %q: main kept %q, want %q", tt.sent, got, tt.kept)
		}
		if ss := h.s.scriptSession(w.p); ss.Hostname != tt.kept {
			t.Errorf("worker said %q: scripts get %q", tt.sent, ss.Hostname)
		}
		w.exit(t)
	}
}
