package mainproc

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/pem"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"google.golang.org/protobuf/proto"
)

// workerStarter holds what every worker start needs.
type workerStarter struct {
	path       string   // ocserv-worker beside our binary
	args       []string // main's arguments after argv[0]
	debug      int
	secmodPath string
	hmacKey    []byte
	sp         *spawner
	rp         *reaper // reaps the workers (reap.go)
}

// authHMAC is sec_auth_init_hmac: HMAC-SHA256(key, remote ‖ our ‖
// start time as 8 bytes little-endian).
func authHMAC(key []byte, remote, our string, start uint64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(remote))
	m.Write([]byte(our))
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], start)
	m.Write(b[:])
	return m.Sum(nil)
}

// certChains reads the public certificate chains of every vhost's
// server-cert files (DER, leaf first). Key files are never touched.
func certChains(cfg *config.Config) ([]*ipcpb.CertChain, error) {
	var out []*ipcpb.CertChain
	for _, v := range cfg.Vhosts {
		for i, path := range v.ServerCerts {
			data, err := os.ReadFile(path)
			if err != nil {
				return nil, fmt.Errorf("reading server-cert: %w", err)
			}
			cc := &ipcpb.CertChain{Vhost: proto.String(v.Name), KeyIdx: proto.Uint32(uint32(i))}
			for rest := data; ; {
				var blk *pem.Block
				blk, rest = pem.Decode(rest)
				if blk == nil {
					break
				}
				if blk.Type == "CERTIFICATE" || blk.Type == "X509 CERTIFICATE" {
					cc.Der = append(cc.Der, blk.Bytes)
				}
			}
			if len(cc.Der) == 0 {
				return nil, fmt.Errorf("no certificate found in %s", path)
			}
			out = append(out, cc)
		}
	}
	return out, nil
}

// startWorker execs ocserv-worker for one accepted connection and records
// it in the proc table. The connection is closed in main either way.
func (s *server) startWorker(ws *workerStarter, c *net.TCPConn) error {
	defer c.Close()
	remote := c.RemoteAddr().(*net.TCPAddr).AddrPort()
	local := c.LocalAddr().(*net.TCPAddr).AddrPort()
	remote = netip.AddrPortFrom(remote.Addr().Unmap(), remote.Port())
	local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())

	cf, err := c.File()
	if err != nil {
		return fmt.Errorf("dup client socket: %w", err)
	}
	defer cf.Close()
	cmdMain, cmdChild, err := ipc.Socketpair()
	if err != nil {
		return err
	}
	defer cmdChild.Close()

	s.mu.Lock()
	cfg, snap := s.cfg, s.snapshot
	s.mu.Unlock()

	start := uint64(s.now().Unix())
	rs, ls := remote.Addr().String(), local.Addr().String()
	st := &ipcpb.WorkerStartup{
		CmdFd:              proto.Uint32(3),
		ConnFd:             proto.Uint32(4),
		ConnType:           ipcpb.ConnType_CONN_TYPE_TCP.Enum(),
		RemoteIpStr:        proto.String(rs),
		OurIpStr:           proto.String(ls),
		SessionStartTime:   proto.Uint64(start),
		RemoteAddr:         ipc.Sockaddr(remote),
		OurAddr:            ipc.Sockaddr(local),
		SecAuthInitHmac:    authHMAC(ws.hmacKey, rs, ls, start),
		SecmodPath:         proto.String(ws.secmodPath),
		CertChains:         snap.chains,
		DebugLevel:         proto.Int32(int32(ws.debug)),
		ConfigFile:         proto.String(snap.file),
		PamAuthGroupList:   snap.pamGroups,
		PlainAuthGroupList: snap.plainGroups,
		SnapshotEntries: []*ipcpb.SnapshotEntry{{
			FileName: proto.String(snap.file),
			Data:     snap.data,
		}},
	}
	stf, err := ipc.StartupFile(st)
	if err != nil {
		cmdMain.Close()
		return err
	}
	defer stf.Close()
	cmd := &exec.Cmd{
		Path:   ws.path,
		Args:   append([]string{ws.path}, ws.args...),
		Env:    workerEnv(),
		Stdout: os.Stderr,
		Stderr: os.Stderr,
		SysProcAttr: &syscall.SysProcAttr{
			Pdeathsig: syscall.SIGTERM,
		},
	}
	if cfg.RunAsUID >= 0 || cfg.RunAsGID >= 0 {
		uid, gid := cfg.RunAsUID, cfg.RunAsGID
		if uid < 0 {
			uid = 0
		}
		if gid < 0 {
			gid = 0
		}
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{uint32(gid)}}
	}
	if cfg.ChrootDir != "" {
		cmd.SysProcAttr.Chroot = cfg.ChrootDir
	}
	var inh ipc.Inherit
	if err := inh.Add("cmd", cmdChild); err != nil {
		cmdMain.Close()
		return err
	}
	if err := inh.Add("conn", cf); err != nil {
		cmdMain.Close()
		return err
	}
	// after cmd and conn, which keep descriptors 3 and 4 (CmdFd, ConnFd)
	if err := inh.Add(ipc.StartupFDName, stf); err != nil {
		cmdMain.Close()
		return err
	}
	inh.Apply(cmd)
	if err := ws.sp.start(cmd); err != nil {
		cmdMain.Close()
		return fmt.Errorf("could not execute worker %s: %w", ws.path, err)
	}
	conn, err := ipc.FileConn(cmdMain)
	if err != nil {
		cmd.Process.Kill()
		ws.rp.watch(cmd.Process)
		return err
	}
	// Reaped by the reaper, not cmd.Wait (one blocked thread per worker);
	// the session ends on the command socket's EOF. Once tracked, the
	// Process is touched only through the entry (the reaper releases it).
	pid := cmd.Process.Pid
	re := ws.rp.track(cmd.Process)
	proc := &proc{
		pid:      pid,
		conn:     conn,
		signal:   re.signal,
		remote:   remote,
		local:    local,
		connTime: time.Now(),
		exited:   re.exited,
	}
	s.addProc(proc)
	s.putIntoCgroup(s.config().Default().CGroup, proc.pid)
	return nil
}
