package secmod

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// TestCookieExpiry: ocserv counts a cookie's life in whole seconds from
// the second it was set (exptime = time(0) + cookie-timeout + 15) and
// refuses it once time(0) >= exptime.
func TestCookieExpiry(t *testing.T) {
	set := time.Unix(1_700_000_000, 900_000_000) // late in its second
	life := cookieLife(30)                       // 45 s
	tests := []struct {
		after time.Duration
		valid bool
	}{
		{0, true},
		{44 * time.Second, true},
		{44*time.Second + 50*time.Millisecond, true},   // still second +44
		{44*time.Second + 100*time.Millisecond, false}, // second +45
		{45 * time.Second, false},
		{46 * time.Second, false},
	}
	exp := expiry(set, life)
	for _, tt := range tests {
		if got := !expired(set.Add(tt.after), exp); got != tt.valid {
			t.Errorf("%v after: valid %v, want %v", tt.after, got, tt.valid)
		}
	}
}

func TestStoreCleanup(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	st := newStore(3)
	type spec struct {
		inUse int
		exp   time.Duration // relative to now
		kept  bool
	}
	// ocserv: an unused entry has expired once time(0) >= exptime.
	specs := []spec{{0, -time.Second, false}, {0, time.Second, true}, {1, -time.Hour, true}, {0, 0, false}}
	var es []*entry
	for _, sp := range specs {
		e, err := st.add(now)
		if err != nil {
			t.Fatal(err)
		}
		if e.sid[0] != 3 || e.safeID != SafeID(e.sid[:]) || len(e.safeID) != 28 {
			t.Errorf("sid/safe id: %x %q", e.sid, e.safeID)
		}
		e.inUse, e.exptime = sp.inUse, now.Add(sp.exp)
		es = append(es, e)
	}
	if n := st.cleanup(now); n != 2 {
		t.Errorf("cleanup removed %d, want 2", n)
	}
	for i, e := range es {
		if got := st.find(e.sid[:]) != nil; got != specs[i].kept {
			t.Errorf("entry %d kept=%v", i, got)
		}
	}
	if st.find([]byte{1, 2}) != nil {
		t.Error("short sid found")
	}
}

func TestMaintenanceSendsStats(t *testing.T) {
	cfgPath, _, _ := writeFixture(t, t.TempDir(), "")
	log := logx.NewWithOptions("sec-mod", logx.Options{NoSyslog: true})
	s, err := newServer(&ipcpb.SecmodStartup{HmacKey: make([]byte, 32), ConfigFile: proto.String(cfgPath)}, options{log: log})
	if err != nil {
		t.Fatal(err)
	}
	a, b, err := ipc.SocketpairConns()
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	defer b.Close()
	s.async = b
	old, _ := s.store.add(time.Now().Add(-time.Hour))
	old.exptime = time.Now().Add(-time.Minute)
	s.noteAuthTime(0, true)
	s.noteAuthTime(4*time.Second, false)
	s.maintenance()
	f, err := ipc.Recv(a, ipc.MaxMsgSize, 5*time.Second)
	if err != nil || f.Cmd != ipc.CmdSecmStats {
		t.Fatalf("recv %v %v", f.Cmd, err)
	}
	var st ipcpb.SecmStats
	if err := f.Unmarshal(&st); err != nil {
		t.Fatal(err)
	}
	if st.GetSecmodClientEntries() != 0 || st.GetSecmodAuthFailures() != 1 || st.GetSecmodAvgAuthTime() != 4 || st.GetSecmodMaxAuthTime() != 4 {
		t.Errorf("stats %v", &st)
	}
}
