package secmod

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// credChildEnv makes the test binary act as a fake worker: it sends one
// SEC_AUTH_INIT to the socket named by the variable and exits 0 when it got
// an answer, 3 when sec-mod closed the connection without one (possibly
// before the request was written), 4 on other
// errors.
const credChildEnv = "SECMOD_TEST_CRED_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(sendChildEnv); path != "" {
		os.Exit(sendChild(path, os.Getenv(sendChildFrameEnv)))
	}
	if path := os.Getenv(credChildEnv); path != "" {
		var rep ipcpb.SecAuthReply
		err := ipc.Request(path, ipc.CmdSecAuthInit, &ipcpb.SecAuthInit{UserName: proto.String("alice")}, ipc.CmdSecAuthReply, &rep, 10*time.Second)
		switch {
		case err == nil:
			os.Exit(0)
		case errors.Is(err, io.EOF) || errors.Is(err, ipc.ErrTruncated) ||
			errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET):
			os.Exit(3)
		default:
			os.Stderr.WriteString(err.Error() + "\n")
			os.Exit(4)
		}
	}
	os.Exit(m.Run())
}

func TestPeerCredentialsForeignUID(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("needs root to run a child under another uid (the rule itself is TestCredOK)")
	}
	dir, err := os.MkdirTemp("", "secmod-cred")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "child.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0755); err != nil {
		t.Fatal(err)
	}
	h := startHarness(t, hopts{dir: dir, uid: 12345, gid: 12345})

	run := func(uid, gid uint32) int {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin)
		cmd.Env = []string{credChildEnv + "=" + h.sock}
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid}}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			if ee.ExitCode() == 4 {
				t.Logf("child output: %s", out)
			}
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatalf("child: %v", err)
		}
		return 0
	}
	if got := run(12345, 12345); got != 0 {
		t.Errorf("worker uid/gid: exit %d, want an answer (0)", got)
	}
	if got := run(65534, 65534); got != 3 {
		t.Errorf("foreign uid: exit %d, want a silent close (3)", got)
	}
	if got := run(12345, 65534); got != 3 {
		t.Errorf("worker uid with a foreign gid: exit %d, want 3", got)
	}
}
