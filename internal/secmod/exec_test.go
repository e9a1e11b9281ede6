package secmod

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// TestExecRealBinary starts the built ocserv binary as main does (inherited
// descriptors, OCSERV_SECMOD_STARTUP), logs in through it, checks its
// process name, and checks both ways it ends: sync EOF and SIGTERM.
func TestExecRealBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/ocserv")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "ocserv")
	build := exec.Command("go", "build", "-o", bin, "github.com/ocserv-go/ocserv/cmd/ocserv")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cfgPath, _, _ := writeFixture(t, dir, "")

	for _, ending := range []string{"sync EOF", "SIGTERM"} {
		t.Run(ending, func(t *testing.T) {
			sock := filepath.Join(dir, "sm-"+strings.ReplaceAll(ending, " ", "")+".sock")
			ln, err := listenUnix(sock)
			if err != nil {
				t.Fatal(err)
			}
			lf, _ := ln.File()
			ln.Close()
			aMain, aSec, _ := ipc.Socketpair()
			sMain, sSec, _ := ipc.Socketpair()
			key := make([]byte, 32)
			st := &ipcpb.SecmodStartup{
				Instance: proto.Uint32(0), Instances: proto.Uint32(1), SocketPath: proto.String(sock),
				HmacKey: key, ConfigFile: proto.String(cfgPath),
				WorkerUid: proto.Uint32(uint32(os.Getuid())), WorkerGid: proto.Uint32(uint32(os.Getgid())),
			}
			enc, err := ipc.EncodeStartup(st)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin)
			cmd.Args[0] = "ocserv-sm"
			cmd.Env = append(os.Environ(), "OCSERV_SECMOD_STARTUP="+enc)
			var inh ipc.Inherit
			inh.Add(FDListen, lf)
			inh.Add(FDAsync, aSec)
			inh.Add(FDSync, sSec)
			inh.Apply(cmd)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			lf.Close()
			aSec.Close()
			sSec.Close()
			syncConn, _ := ipc.FileConn(sMain)
			asyncConn, _ := ipc.FileConn(aMain)
			defer asyncConn.Close()
			defer syncConn.Close()

			var cl ipcpb.SecmListCookiesReply
			if err := ipc.Call(syncConn, ipc.CmdSecmListCookies, nil, ipc.CmdSecmListCookiesReply, &cl, 20*time.Second); err != nil {
				t.Fatalf("sec-mod not answering: %v (stderr %s)", err, stderr.String())
			}
			comm, _ := os.ReadFile("/proc/" + itoa(cmd.Process.Pid) + "/comm")
			if strings.TrimSpace(string(comm)) != ProcName {
				t.Errorf("comm %q", comm)
			}
			start := uint64(time.Now().Unix())
			var rep ipcpb.SecAuthReply
			err = ipc.Request(sock, ipc.CmdSecAuthInit, &ipcpb.SecAuthInit{
				UserName: proto.String("nopass"), Ip: proto.String("a"), OurIp: proto.String("b"), AuthType: proto.Uint32(5),
				SessionStartTime: proto.Uint64(start), Hmac: AuthInitHMAC(key, "a", "b", start),
			}, ipc.CmdSecAuthReply, &rep, 10*time.Second)
			if err != nil || rep.GetReply() != ipcpb.AuthRep_AUTH_OK {
				t.Fatalf("login through the real process: %v %v", &rep, err)
			}
			if ending == "SIGTERM" {
				cmd.Process.Signal(syscall.SIGHUP) // ignored
				time.Sleep(100 * time.Millisecond)
				cmd.Process.Signal(syscall.SIGTERM)
			} else {
				syncConn.Close()
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("exit: %v (stderr %s)", err, stderr.String())
				}
			case <-time.After(15 * time.Second):
				cmd.Process.Kill()
				<-done
				t.Fatalf("sec-mod did not exit on %s", ending)
			}
		})
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			break
		}
	}
	return string(b[i:])
}
