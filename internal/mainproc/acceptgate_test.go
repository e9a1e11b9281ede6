package mainproc

import (
	"net"
	"path/filepath"
	"testing"
	"time"
)

func TestUnixListenQueue(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sm.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	rq, wq, err := unixListenQueue(path)
	if err != nil {
		t.Skip("sock_diag not available here:", err)
	}
	if rq != 0 || wq == 0 {
		t.Fatalf("idle listener: rq %d wq %d", rq, wq)
	}
	for i := 0; i < 3; i++ {
		c, err := net.DialTimeout("unix", path, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	if rq, _, err = unixListenQueue(path); err != nil || rq != 3 {
		t.Fatalf("3 pending connections: rq %d, err %v", rq, err)
	}
	if _, _, err := unixListenQueue(path + ".none"); err == nil {
		t.Fatal("unknown path found")
	}
}
