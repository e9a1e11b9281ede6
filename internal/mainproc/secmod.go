package mainproc

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
	"google.golang.org/protobuf/proto"
)

// SecmodStartupEnv is the environment variable that makes cmd/ocserv run
// as sec-mod (docs/process-contract.md).
const SecmodStartupEnv = "OCSERV_SECMOD_STARTUP"

// secmodClient is main's end of the sec-mod sync channel. Requests are
// serialised: the channel is strict ping-pong.
type secmodClient struct {
	mu   sync.Mutex
	sync *net.UnixConn
}

func (c *secmodClient) SessionOpen(req *ipcpb.SecmSessionOpen) (*ipcpb.SecmSessionReply, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var rep ipcpb.SecmSessionReply
	if err := ipc.Call(c.sync, ipc.CmdSecmSessionOpen, req, ipc.CmdSecmSessionReply, &rep, ipc.SecModTimeout); err != nil {
		return nil, fmt.Errorf("sec-mod session open: %w", err)
	}
	return &rep, nil
}

func (c *secmodClient) SessionClose(req *ipcpb.SecmSessionClose) (*ipcpb.CliStats, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var rep ipcpb.CliStats
	if err := ipc.Call(c.sync, ipc.CmdSecmSessionClose, req, ipc.CmdSecmCliStats, &rep, ipc.SecModTimeout); err != nil {
		return nil, fmt.Errorf("sec-mod session close: %w", err)
	}
	return &rep, nil
}

func (c *secmodClient) Reload() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := ipc.Call(c.sync, ipc.CmdSecmReload, nil, ipc.CmdSecmReloadReply, nil, ipc.SecModTimeout); err != nil {
		return fmt.Errorf("sec-mod reload: %w", err)
	}
	return nil
}

// secmodProc is a running sec-mod instance.
type secmodProc struct {
	cmd        *exec.Cmd
	client     *secmodClient
	async      *net.UnixConn
	socketPath string
	hmacKey    []byte
	exited     chan struct{} // closed once the process was reaped
}

// startSecmod creates the workers' sec-mod socket, the two socketpairs and
// execs sec-mod (/proc/self/exe as "ocserv-sm") as the contract says.
func startSecmod(cfg *config.Config, configFile string, args []string, debug int, sp *spawner) (*secmodProc, error) {
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	path := fmt.Sprintf("%s.%s.0", cfg.SocketFile, hex.EncodeToString(rnd[:]))
	_ = os.Remove(path)
	old := syscall.Umask(0o077)
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("could not create socket '%s': %w", path, err)
	}
	ln.SetUnlinkOnClose(false)
	defer ln.Close()
	cleanup := func() { os.Remove(path) }
	if err := os.Chmod(path, 0o600); err != nil {
		cleanup()
		return nil, fmt.Errorf("chmod %s: %w", path, err)
	}
	if cfg.RunAsUID >= 0 || cfg.RunAsGID >= 0 {
		if err := os.Chown(path, cfg.RunAsUID, cfg.RunAsGID); err != nil {
			cleanup()
			return nil, fmt.Errorf("chown %s: %w", path, err)
		}
	}
	lf, err := ln.File()
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("sec-mod listener: %w", err)
	}
	defer lf.Close()

	asyncMain, asyncChild, err := ipc.Socketpair()
	if err != nil {
		cleanup()
		return nil, err
	}
	defer asyncChild.Close()
	syncMain, syncChild, err := ipc.Socketpair()
	if err != nil {
		asyncMain.Close()
		cleanup()
		return nil, err
	}
	defer syncChild.Close()

	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		cleanup()
		return nil, err
	}
	uid, gid := cfg.RunAsUID, cfg.RunAsGID
	if uid < 0 {
		uid = 0
	}
	if gid < 0 {
		gid = 0
	}
	st := &ipcpb.SecmodStartup{
		Instance:   proto.Uint32(0),
		Instances:  proto.Uint32(1),
		SocketPath: proto.String(path),
		HmacKey:    key,
		ConfigFile: proto.String(configFile),
		WorkerUid:  proto.Uint32(uint32(uid)),
		WorkerGid:  proto.Uint32(uint32(gid)),
		DebugLevel: proto.Int32(int32(debug)),
		AsyncFd:    proto.Uint32(4),
		SyncFd:     proto.Uint32(5),
	}
	enc, err := ipc.EncodeStartup(st)
	if err != nil {
		cleanup()
		return nil, err
	}
	cmd := &exec.Cmd{
		Path:        "/proc/self/exe",
		Args:        append([]string{"ocserv-sm"}, args...),
		Env:         append(os.Environ(), SecmodStartupEnv+"="+enc),
		Stdout:      os.Stderr,
		Stderr:      os.Stderr,
		SysProcAttr: &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM},
	}
	var inh ipc.Inherit
	for _, f := range []struct {
		name string
		f    *os.File
	}{{"secm-listen", lf}, {"secm-async", asyncChild}, {"secm-sync", syncChild}} {
		if err := inh.Add(f.name, f.f); err != nil {
			cleanup()
			return nil, err
		}
	}
	inh.Apply(cmd)
	if err := sp.start(cmd); err != nil {
		asyncMain.Close()
		syncMain.Close()
		cleanup()
		return nil, fmt.Errorf("could not start sec-mod: %w", err)
	}
	ac, err := ipc.FileConn(asyncMain)
	if err != nil {
		syncMain.Close()
		cmd.Process.Kill()
		cmd.Wait()
		cleanup()
		return nil, err
	}
	sc, err := ipc.FileConn(syncMain)
	if err != nil {
		ac.Close()
		cmd.Process.Kill()
		cmd.Wait()
		cleanup()
		return nil, err
	}
	p := &secmodProc{
		cmd:        cmd,
		client:     &secmodClient{sync: sc},
		async:      ac,
		socketPath: path,
		hmacKey:    key,
		exited:     make(chan struct{}),
	}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	return p, nil
}

// serveAsync handles sec-mod's unsolicited messages (ban points, stats)
// until the channel closes, which means sec-mod is gone.
func serveAsync(c *net.UnixConn, ban BanChecker, log *logx.Logger, onStats func(*ipcpb.SecmStats)) error {
	for {
		f, err := ipc.Recv(c, ipc.MaxMsgSize, 0)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
				return io.EOF
			}
			return err
		}
		switch f.Cmd {
		case ipc.CmdSecmBanIP:
			var m ipcpb.BanIp
			if err := f.Unmarshal(&m); err == nil {
				ip, perr := netip.ParseAddr(m.GetIp())
				if perr == nil && ban.AddPoints(ip.Unmap(), int(m.GetScore())) {
					_ = ipc.Send(c, ipc.CmdSecmBanIPReply, &ipcpb.BanIpReply{
						Reply: ipcpb.AuthRep_AUTH_FAILED.Enum(), Sid: m.GetSid()}, -1)
				}
			}
		case ipc.CmdSecmStats:
			var m ipcpb.SecmStats
			if err := f.Unmarshal(&m); err == nil {
				log.Debugf("sec-mod stats: %d client entries, %d auth failures", m.GetSecmodClientEntries(), m.GetSecmodAuthFailures())
				if onStats != nil {
					onStats(&m)
				}
			}
		default:
			log.Debugf("unexpected message '%s' from sec-mod", f.Cmd)
		}
		f.Close()
	}
}
