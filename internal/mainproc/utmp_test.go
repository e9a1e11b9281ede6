package mainproc

import (
	"encoding/binary"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestUtmpRecordLayout(t *testing.T) {
	r := utmpRecord{Type: utmpUserProcess, PID: 4242, Line: "vpns0", User: "alice",
		Host: "10.1.2.3", Addr: netip.MustParseAddr("10.1.2.3"), Time: time.Unix(1700000000, 5000)}
	b := r.marshal()
	le := binary.LittleEndian
	checks := []struct {
		name      string
		got, want any
	}{
		{"len", len(b), 384},
		{"type", le.Uint16(b[0:]), uint16(7)},
		{"pid", le.Uint32(b[4:]), uint32(4242)},
		{"line", string(b[8:13]), "vpns0"},
		{"user", string(b[44:49]), "alice"},
		{"host", string(b[76:84]), "10.1.2.3"},
		{"sec", le.Uint32(b[340:]), uint32(1700000000)},
		{"usec", le.Uint32(b[344:]), uint32(5)},
		{"addr", [4]byte(b[348:352]), [4]byte{10, 1, 2, 3}},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestUtmpFiles(t *testing.T) {
	dir := t.TempDir()
	u, w := filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp")
	if err := putUtmp(u, utmpRecord{Type: utmpUserProcess}); !os.IsNotExist(err) {
		t.Fatalf("missing utmp: %v, want not-exist (never created)", err)
	}
	os.WriteFile(u, nil, 0o644)
	os.WriteFile(w, nil, 0o644)
	other := utmpRecord{Type: utmpUserProcess, PID: 1, Line: "pts/0", User: "root"}
	login := utmpRecord{Type: utmpUserProcess, PID: 2, Line: "vpns0", User: "bob"}
	logout := utmpRecord{Type: utmpDeadProcess, PID: 2, Line: "vpns0"}
	for _, r := range []utmpRecord{other, login, logout} {
		if err := putUtmp(u, r); err != nil {
			t.Fatal(err)
		}
		if err := appendWtmp(w, r); err != nil {
			t.Fatal(err)
		}
	}
	ub, _ := os.ReadFile(u)
	wb, _ := os.ReadFile(w)
	if len(ub) != 2*utmpRecordSize {
		t.Errorf("utmp has %d bytes, want 2 records (logout replaces the login slot)", len(ub))
	} else if typ := binary.LittleEndian.Uint16(ub[utmpRecordSize:]); typ != utmpDeadProcess {
		t.Errorf("second utmp slot type %d, want DEAD_PROCESS", typ)
	}
	if len(wb) != 3*utmpRecordSize {
		t.Errorf("wtmp has %d bytes, want 3 records", len(wb))
	}
}

// The package's session tests must not write to the system's utmp/wtmp.
func init() {
	utmpFiles.utmp, utmpFiles.wtmp = "/nonexistent/ocserv-go-test/utmp", "/nonexistent/ocserv-go-test/wtmp"
}
