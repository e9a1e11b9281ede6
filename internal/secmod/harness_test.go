package secmod

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
	"github.com/ocserv-go/ocserv/internal/passwd"
)

// Keys are generated once per test binary (RSA is slow on a shared box).
var (
	keysOnce sync.Once
	rsaKey   *rsa.PrivateKey
	ecKey    *ecdsa.PrivateKey
)

func testKeys() {
	keysOnce.Do(func() {
		var err error
		if rsaKey, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		if ecKey, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader); err != nil {
			panic(err)
		}
	})
}

// writeKeyPair writes a self-signed certificate and its PKCS#8 key.
func writeKeyPair(t testing.TB, dir, name string, key crypto.Signer) (certPath, keyPath string, der []byte) {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "vpn.example"},
		DNSNames:  []string{"vpn.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	p8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath = filepath.Join(dir, name+".crt")
	keyPath = filepath.Join(dir, name+".key")
	mustWrite(t, certPath, string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	mustWrite(t, keyPath, string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: p8})))
	return certPath, keyPath, der
}

func mustWrite(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0644); err != nil {
		t.Fatal(err)
	}
}

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// harness runs the real run() in-process with inherited descriptors, as
// main would start it, and plays main (sync/async ends) and workers.
type harness struct {
	t        *testing.T
	dir      string
	cfgPath  string
	sock     string
	hmacKey  []byte
	clock    *fakeClock
	sync     *net.UnixConn
	bans     chan *ipcpb.BanIp
	others   chan ipc.Frame
	done     chan error
	async    *net.UnixConn
	rsaDER   []byte
	ecDER    []byte
	finished bool
}

type hopts struct {
	extra string // appended to the config
	dir   string // work directory (default t.TempDir())
	uid   uint32
	gid   uint32
}

const basePasswdUsers = "alice:staff,admins:HASH\n" +
	"bob:*:HASH\n" +
	"nopass:users:\n" +
	"locked:staff:!HASH\n"

func startHarness(t *testing.T, o hopts) *harness {
	t.Helper()
	testKeys()
	dir := o.dir
	if dir == "" {
		dir = t.TempDir()
	}
	h := &harness{t: t, dir: dir, sock: filepath.Join(dir, "sm.sock"), clock: &fakeClock{t: time.Now()}}
	h.cfgPath, h.rsaDER, h.ecDER = writeFixture(t, dir, o.extra)

	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: h.sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	os.Chmod(h.sock, 0777)
	lf, err := ln.File()
	ln.Close()
	if err != nil {
		t.Fatal(err)
	}
	aMain, aSec, err := ipc.Socketpair()
	if err != nil {
		t.Fatal(err)
	}
	sMain, sSec, err := ipc.Socketpair()
	if err != nil {
		t.Fatal(err)
	}
	// Hand sec-mod fresh descriptor numbers, as exec would.
	var env []string
	for _, p := range []struct {
		name string
		f    *os.File
	}{{FDListen, lf}, {FDAsync, aSec}, {FDSync, sSec}} {
		fd, err := syscall.Dup(int(p.f.Fd()))
		if err != nil {
			t.Fatal(err)
		}
		p.f.Close()
		env = append(env, fmt.Sprintf("%s=%d", p.name, fd))
	}
	t.Setenv(ipc.FDEnv, strings.Join(env, ","))
	if h.sync, err = ipc.FileConn(sMain); err != nil {
		t.Fatal(err)
	}
	if h.async, err = ipc.FileConn(aMain); err != nil {
		t.Fatal(err)
	}
	h.hmacKey = make([]byte, 32)
	rand.Read(h.hmacKey)
	uid, gid := o.uid, o.gid
	if uid == 0 {
		uid = uint32(os.Getuid())
	}
	if gid == 0 {
		gid = uint32(os.Getgid())
	}
	st := &ipcpb.SecmodStartup{
		Instance: proto.Uint32(0), Instances: proto.Uint32(1), SocketPath: proto.String(h.sock),
		HmacKey: h.hmacKey, ConfigFile: proto.String(h.cfgPath), WorkerUid: proto.Uint32(uid), WorkerGid: proto.Uint32(gid),
	}
	log := logx.NewWithOptions("sec-mod", logx.Options{Level: 9, Stderr: tlog{t}, NoSyslog: true})
	h.done = make(chan error, 1)
	go func() {
		h.done <- run(st, options{log: log, now: h.clock.Now, maintenance: time.Hour})
	}()
	h.bans = make(chan *ipcpb.BanIp, 100)
	h.others = make(chan ipc.Frame, 100)
	go func() {
		for {
			f, err := ipc.Recv(h.async, ipc.MaxMsgSize, 0)
			if err != nil {
				close(h.bans)
				return
			}
			if f.Cmd == ipc.CmdSecmBanIP {
				var b ipcpb.BanIp
				if f.Unmarshal(&b) == nil {
					h.bans <- &b
				}
				continue
			}
			h.others <- f
		}
	}()
	t.Cleanup(h.stop)
	// Wait until sec-mod answers (config and keys loaded).
	h.syncCall(ipc.CmdSecmListCookies, nil, ipc.CmdSecmListCookiesReply, &ipcpb.SecmListCookiesReply{})
	return h
}

type tlog struct{ t *testing.T }

func (w tlog) Write(p []byte) (int, error) {
	w.t.Logf("%s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// stop closes main's end of the sync channel; sec-mod must exit cleanly.
func (h *harness) stop() {
	if h.finished {
		return
	}
	h.finished = true
	h.sync.Close()
	select {
	case err := <-h.done:
		if err != nil {
			h.t.Errorf("run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		h.t.Errorf("sec-mod did not exit after sync EOF")
	}
	h.async.Close()
	os.Remove(h.sock)
}

func (h *harness) syncCall(cmd ipc.Cmd, req proto.Message, want ipc.Cmd, rep proto.Message) {
	h.t.Helper()
	if err := ipc.Call(h.sync, cmd, req, want, rep, 10*time.Second); err != nil {
		h.t.Fatalf("%s: %v", cmd, err)
	}
}

func (h *harness) initReq(user, group string) *ipcpb.SecAuthInit {
	start := uint64(h.clock.Now().Unix())
	ip, our := "192.0.2.10", "192.0.2.1"
	return &ipcpb.SecAuthInit{
		UserName: proto.String(user), GroupName: proto.String(group),
		Ip: proto.String(ip), OurIp: proto.String(our), AuthType: proto.Uint32(uint32(ipcpb.AuthType_AUTH_TYPE_PLAIN)),
		UserAgent: proto.String("Open AnyConnect VPN Agent v9.01"), Vhost: proto.String("default"),
		DevicePlatform: proto.String("linux-64"), SessionStartTime: proto.Uint64(start),
		Hmac: AuthInitHMAC(h.hmacKey, ip, our, start),
	}
}

func (h *harness) request(cmd ipc.Cmd, req proto.Message) (*ipcpb.SecAuthReply, error) {
	var rep ipcpb.SecAuthReply
	err := ipc.Request(h.sock, cmd, req, ipc.CmdSecAuthReply, &rep, 10*time.Second)
	return &rep, err
}

func (h *harness) authInit(req *ipcpb.SecAuthInit) *ipcpb.SecAuthReply {
	h.t.Helper()
	rep, err := h.request(ipc.CmdSecAuthInit, req)
	if err != nil {
		h.t.Fatalf("auth init: %v", err)
	}
	return rep
}

func (h *harness) authCont(sid []byte, pw string) *ipcpb.SecAuthReply {
	h.t.Helper()
	rep, err := h.request(ipc.CmdSecAuthCont, &ipcpb.SecAuthCont{Sid: sid, Password: proto.String(pw), Ip: proto.String("192.0.2.10")})
	if err != nil {
		h.t.Fatalf("auth cont: %v", err)
	}
	return rep
}

// login performs a successful login and returns the cookie.
func (h *harness) login(user, group, pw string) []byte {
	h.t.Helper()
	rep := h.authInit(h.initReq(user, group))
	if rep.GetReply() == ipcpb.AuthRep_AUTH_OK {
		return rep.GetSid()
	}
	if rep.GetReply() != ipcpb.AuthRep_AUTH_MSG {
		h.t.Fatalf("init: %v", rep)
	}
	rep = h.authCont(rep.GetSid(), pw)
	if rep.GetReply() != ipcpb.AuthRep_AUTH_OK {
		h.t.Fatalf("cont: %v", rep)
	}
	return rep.GetSid()
}

func (h *harness) open(sid []byte) *ipcpb.SecmSessionReply {
	h.t.Helper()
	var rep ipcpb.SecmSessionReply
	h.syncCall(ipc.CmdSecmSessionOpen, &ipcpb.SecmSessionOpen{Sid: sid}, ipc.CmdSecmSessionReply, &rep)
	return &rep
}

func (h *harness) close(sid []byte, in, out uint64, kicked bool) *ipcpb.CliStats {
	h.t.Helper()
	var rep ipcpb.CliStats
	h.syncCall(ipc.CmdSecmSessionClose, &ipcpb.SecmSessionClose{
		Sid: sid, Uptime: proto.Uint32(10), BytesIn: proto.Uint64(in), BytesOut: proto.Uint64(out), ServerDisconnected: proto.Bool(kicked),
	}, ipc.CmdSecmCliStats, &rep)
	return &rep
}

// workerStats sends a worker's CMD_SEC_CLI_STATS and waits for sec-mod to
// close the connection (the worker's final report).
func (h *harness) workerStats(sid []byte, in, out uint64, reason uint32) {
	h.t.Helper()
	msg := &ipcpb.CliStats{Sid: sid, BytesIn: proto.Uint64(in), BytesOut: proto.Uint64(out), Uptime: proto.Uint32(5)}
	if reason != 0 {
		msg.DisconReason = proto.Uint32(reason)
	}
	if err := ipc.Notify(h.sock, ipc.CmdSecCliStats, msg, true, 10*time.Second); err != nil {
		h.t.Fatalf("cli stats: %v", err)
	}
}

// takeBans collects the ban notices that arrived so far (waiting up to d
// for the n-th).
func (h *harness) takeBans(n int, d time.Duration) []*ipcpb.BanIp {
	var out []*ipcpb.BanIp
	deadline := time.After(d)
	for len(out) < n {
		select {
		case b := <-h.bans:
			out = append(out, b)
		case <-deadline:
			return out
		}
	}
	// Anything extra that is already queued.
	for {
		select {
		case b := <-h.bans:
			out = append(out, b)
		case <-time.After(50 * time.Millisecond):
			return out
		}
	}
}

// writeFixture writes keys, certificates, the password file, per-user and
// per-group files and the configuration into dir.
func writeFixture(t testing.TB, dir, extra string) (cfgPath string, rsaDER, ecDER []byte) {
	t.Helper()
	testKeys()
	rc, rk, rder := writeKeyPair(t, dir, "rsa", rsaKey)
	ec, ek, eder := writeKeyPair(t, dir, "ec", ecKey)
	hash, err := passwd.Hash("secret")
	if err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(dir, "passwd"), strings.ReplaceAll(basePasswdUsers, "HASH", hash))
	mustWrite(t, filepath.Join(dir, "users", "alice"), "route = 172.16.0.0/12\ndns = 1.1.1.1\nidle-timeout = 100\nrestrict-user-to-ports = \"tcp(22), udp(53)\"\nexplicit-ipv4 = 192.168.99.77\n")
	mustWrite(t, filepath.Join(dir, "groups", "staff"), "rx-data-per-sec = 2000\nroute = 10.10.0.0/16\n")
	mustWrite(t, filepath.Join(dir, "groups", "admins"), "route = default\n")
	cfg := fmt.Sprintf(`auth = "plain[passwd=%[1]s/passwd]"
tcp-port = 4443
socket-file = %[1]s/ocserv.sock
server-cert = %[2]s
server-key = %[3]s
server-cert = %[4]s
server-key = %[5]s
device = vpns
ipv4-network = 192.168.99.0
ipv4-netmask = 255.255.255.0
cookie-timeout = 300
auth-timeout = 240
max-ban-score = 80
ban-points-wrong-password = 10
dns = 192.168.99.1
route = 10.0.0.0/8
no-route = 10.1.0.0/255.255.0.0
dpd = 90
mobile-dpd = 1800
keepalive = 32400
mtu = 1400
config-per-user = %[1]s/users/
config-per-group = %[1]s/groups/
predictable-ips = true
%[6]s
`, dir, rc, rk, ec, ek, extra)
	cfgPath = filepath.Join(dir, "ocserv.conf")
	mustWrite(t, cfgPath, cfg)
	return cfgPath, rder, eder

}
