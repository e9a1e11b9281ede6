package worker

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/signer"
)

// harness runs one worker in-process against a fake main (cmd socketpair,
// a SOCK_SEQPACKET socketpair standing in for the tun device), a fake
// sec-mod (Unix listener answering SEC_AUTH_* with a plain-like password
// check and key operations with signer and a real key) and a Go TLS client.
type harness struct {
	t       *testing.T
	cfg     *config.Config
	cliConn *tls.Conn
	br      *bufio.Reader
	tunPeer int // our end of the fake tun
	tunFD   int // the end passed to the worker
	done    chan runResult
	st      *ipcpb.WorkerStartup
	der     []byte // server certificate
	ctx     context.Context
	// external: no Go client; the test accepts connections itself and
	// calls startWorker (e.g. for the real openconnect).
	external bool

	mu        sync.Mutex
	stats     []*ipcpb.CliStats
	toMain    []ipc.Cmd
	tunMTU    uint32
	tlsSuite  string
	refuse    bool // main refuses the cookie
	override  func(*ipcpb.GroupConfig)
	cancel    context.CancelFunc
	failCount int
}

type runResult struct {
	res Result
	err error
}

const testSID = "0123456789abcdef0123456789abcdef"

// baseConfig mirrors the test rig's rig.NewConfig (with the file paths
// replaced) so that the CONNECT headers are comparable with the goldens.
func baseConfig(dir string) map[string][]string {
	return map[string][]string{
		"auth": {"\"plain[passwd=" + dir + "/passwd]\""}, "tcp-port": {"443"}, "udp-port": {"443"},
		"socket-file": {dir + "/sec-mod.socket"}, "server-cert": {dir + "/cert.pem"}, "server-key": {dir + "/key.pem"},
		"ca-cert": {dir + "/ca.pem"}, "max-clients": {"64"}, "max-same-clients": {"0"}, "keepalive": {"32400"},
		"dpd": {"90"}, "mobile-dpd": {"1800"}, "switch-to-tcp-timeout": {"25"}, "try-mtu-discovery": {"false"},
		"auth-timeout": {"240"}, "cookie-timeout": {"300"}, "deny-roaming": {"false"}, "rekey-time": {"172800"},
		"rekey-method": {"ssl"}, "device": {"vpns"}, "predictable-ips": {"true"}, "ipv4-network": {"172.17.1.0"},
		"ipv4-netmask": {"255.255.255.0"}, "dns": {"10.17.1.53"}, "route": {"10.117.1.0/24"},
		"ping-leases": {"false"}, "cisco-client-compat": {"true"}, "dtls-legacy": {"true"},
	}
}

func renderConfig(m map[string][]string, order []string) string {
	var b strings.Builder
	seen := map[string]bool{}
	for _, k := range order {
		if seen[k] {
			continue
		}
		seen[k] = true
		for _, v := range m[k] {
			fmt.Fprintf(&b, "%s = %s\n", k, v)
		}
	}
	for k, vs := range m {
		if seen[k] {
			continue
		}
		for _, v := range vs {
			fmt.Fprintf(&b, "%s = %s\n", k, v)
		}
	}
	return b.String()
}

// newHarness starts the fakes and the worker; extra is applied on top of
// baseConfig like goldenCases' entries.
func newHarness(t *testing.T, extra [][2]string, opt func(h *harness)) *harness {
	t.Helper()
	dir := t.TempDir()
	m := baseConfig(dir)
	var order []string
	for _, kv := range extra {
		if k, ok := strings.CutPrefix(kv[0], "+"); ok {
			m[k] = append(m[k], kv[1])
		} else {
			m[kv[0]] = []string{kv[1]}
		}
		order = append(order, strings.TrimPrefix(kv[0], "+"))
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte("alice:*:x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgText := []byte(renderConfig(m, order))
	cfg, err := config.LoadBytes(cfgText, config.LoadOptions{})
	if err != nil {
		t.Fatalf("config: %v\n%s", err, cfgText)
	}
	h := &harness{t: t, cfg: cfg, done: make(chan runResult, 8)}
	if opt != nil {
		opt(h)
	}

	// Server key and certificate.
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "vpn.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), DNSNames: []string{"vpn.test"},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}

	// Fake sec-mod.
	sock := filepath.Join(dir, "sm.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	keys := signer.Keys{{Vhost: "default", Index: 0}: key}
	go func() {
		for {
			c, err := ln.AcceptUnix()
			if err != nil {
				return
			}
			go h.secmod(c, keys)
		}
	}()

	h.der = der
	h.st = &ipcpb.WorkerStartup{
		RemoteIpStr: ptr("127.0.0.1"), OurIpStr: ptr("127.0.0.1"),
		SessionStartTime: ptr(uint64(time.Now().Unix())), SecAuthInitHmac: make([]byte, 32),
		SecmodPath:      ptr(sock),
		CertChains:      []*ipcpb.CertChain{{Vhost: ptr("default"), KeyIdx: ptr(uint32(0)), Der: [][]byte{der}}},
		SnapshotEntries: []*ipcpb.SnapshotEntry{{FileName: ptr(dir + "/ocserv.conf"), Data: cfgText}},
	}
	tunFDs, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.tunPeer, h.tunFD = tunFDs[0], tunFDs[1]
	t.Cleanup(func() { unix.Close(tunFDs[0]); unix.Close(tunFDs[1]) })
	ctx, cancel := context.WithCancel(context.Background())
	h.ctx, h.cancel = ctx, cancel
	t.Cleanup(cancel)
	if h.external {
		return h
	}
	cc, sc := tcpPair(t) // the client's TCP connection
	h.startWorker(sc)
	h.cliConn = tls.Client(cc, &tls.Config{InsecureSkipVerify: true, ServerName: "vpn.test"})
	_ = h.cliConn.SetDeadline(time.Now().Add(20 * time.Second))
	if err := h.cliConn.Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	t.Cleanup(func() { h.cliConn.Close() })
	h.br = bufio.NewReader(h.cliConn)
	return h
}

// startWorker runs a worker on sc with its own cmd socketpair and fake main.
func (h *harness) startWorker(sc net.Conn) {
	t := h.t
	wcmd, mcmd, err := ipc.SocketpairConns()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { wcmd.Close(); mcmd.Close() })
	go h.main(mcmd, h.tunFD)
	go func() {
		res, err := Run(h.ctx, Params{Startup: h.st, Cmd: wcmd, Conn: sc, CheckEvery: 50 * time.Millisecond})
		h.done <- runResult{res, err}
	}()
}

// secmod serves one worker request.
func (h *harness) secmod(c *net.UnixConn, keys signer.Keys) {
	defer c.Close()
	fr, err := ipc.Recv(c, ipc.MaxMsgSize, 5*time.Second)
	if err != nil {
		return
	}
	defer fr.Close()
	if fr.Cmd.IsKeyOp() {
		_ = signer.ServeFrame(c, keys, fr.Cmd, fr.Body, 5*time.Second)
		return
	}
	sid := []byte(testSID)
	reply := &ipcpb.SecAuthReply{}
	switch fr.Cmd {
	case ipc.CmdSecAuthInit:
		var m ipcpb.SecAuthInit
		_ = fr.Unmarshal(&m)
		reply.Reply, reply.Sid, reply.Msg = ipcpb.AuthRep_AUTH_MSG.Enum(), sid, ptr("Password:")
	case ipc.CmdSecAuthCont:
		var m ipcpb.SecAuthCont
		_ = fr.Unmarshal(&m)
		h.mu.Lock()
		switch {
		case m.GetPassword() == "secret" && string(m.GetSid()) == testSID:
			reply.Reply, reply.Sid, reply.UserName = ipcpb.AuthRep_AUTH_OK.Enum(), sid, ptr("alice")
		case h.failCount < 2:
			h.failCount++
			reply.Reply, reply.Sid, reply.Msg = ipcpb.AuthRep_AUTH_MSG.Enum(), sid, ptr("Login failed.\nPlease enter your password.")
		default:
			reply.Reply = ipcpb.AuthRep_AUTH_FAILED.Enum()
		}
		h.mu.Unlock()
	case ipc.CmdSecCliStats:
		var m ipcpb.CliStats
		_ = fr.Unmarshal(&m)
		h.mu.Lock()
		h.stats = append(h.stats, &m)
		h.mu.Unlock()
		return
	default:
		return
	}
	_ = ipc.Send(c, ipc.CmdSecAuthReply, reply, -1)
}

// main answers AUTH_COOKIE_REQ like main would, with a session config
// built from the vhost (what sec-mod's merge gives without per-user files).
func (h *harness) main(c *net.UnixConn, tunFD int) {
	for {
		fr, err := ipc.Recv(c, ipc.MaxMsgSize, 0)
		if err != nil {
			return
		}
		fr.Close()
		h.mu.Lock()
		h.toMain = append(h.toMain, fr.Cmd)
		h.mu.Unlock()
		switch fr.Cmd {
		case ipc.AuthCookieReq:
			var req ipcpb.AuthCookieRequest
			_ = fr.Unmarshal(&req)
			if h.refuse || string(req.GetCookie()) != testSID {
				_ = ipc.Send(c, ipc.AuthCookieRep, &ipcpb.AuthCookieReply{Reply: ipcpb.AuthRep_AUTH_FAILED.Enum()}, -1)
				continue
			}
			v := h.cfg.Default()
			gc := &ipcpb.GroupConfig{
				Dpd: ptr(uint32(v.DPD)), MobileDpd: ptr(uint32(v.MobileDPD)), Keepalive: ptr(uint32(v.Keepalive)),
				IdleTimeout: ptr(uint32(v.IdleTimeout)), MobileIdleTimeout: ptr(uint32(v.MobileIdleTimeout)),
				SessionTimeoutSecs: ptr(uint32(v.SessionTimeout)), Mtu: ptr(uint32(v.MTU)),
				Ipv4Netmask: ptr(v.IPv4Netmask), Dns: v.DNS, Nbns: v.NBNS, SplitDns: v.SplitDNS,
				TunnelAllDns: ptr(uint32(0)), Ipv6SubnetPrefix: ptr(uint32(v.IPv6SubnetPrefix)),
			}
			if v.TunnelAllDNS {
				gc.TunnelAllDns = ptr(uint32(1))
			}
			for _, r := range v.Routes {
				gc.Routes = append(gc.Routes, r.Text)
			}
			for _, r := range v.NoRoutes {
				gc.NoRoutes = append(gc.NoRoutes, r.Text)
			}
			if h.override != nil {
				h.override(gc)
			}
			rep := &ipcpb.AuthCookieReply{Reply: ipcpb.AuthRep_AUTH_OK.Enum(), SessionId: make([]byte, 32),
				Sid: req.GetCookie(), Vname: ptr(""), UserName: ptr("alice"), GroupName: ptr(""),
				Ipv4: ptr("172.17.1.50"), Ipv4Local: ptr("172.17.1.1"), Config: gc}
			_ = ipc.Send(c, ipc.AuthCookieRep, rep, tunFD)
		case ipc.CmdTunMTU:
			var m ipcpb.TunMtu
			_ = fr.Unmarshal(&m)
			h.mu.Lock()
			h.tunMTU = m.GetMtu()
			h.mu.Unlock()
		case ipc.CmdSessionInfo:
			var m ipcpb.SessionInfo
			_ = fr.Unmarshal(&m)
			h.mu.Lock()
			h.tlsSuite = m.GetTlsCiphersuite()
			h.mu.Unlock()
		}
	}
}

// resp is a parsed HTTP response.
type resp struct {
	status  string
	headers []string // "Name: value" as received
	body    string
}

func (r *resp) header(name string) string {
	for _, h := range r.headers {
		if n, v, _ := strings.Cut(h, ": "); strings.EqualFold(n, name) {
			return v
		}
	}
	return ""
}

// do sends a raw request and reads the response head and body.
func (h *harness) do(raw string) *resp {
	h.t.Helper()
	if _, err := io.WriteString(h.cliConn, raw); err != nil {
		h.t.Fatalf("write request: %v", err)
	}
	r, err := h.read()
	if err != nil {
		h.t.Fatalf("read response: %v", err)
	}
	return r
}

func (h *harness) read() (*resp, error) {
	line, err := h.br.ReadString('\n')
	if err != nil {
		return nil, err
	}
	r := &resp{status: strings.TrimRight(line, "\r\n")}
	for {
		l, err := h.br.ReadString('\n')
		if err != nil {
			return nil, err
		}
		l = strings.TrimRight(l, "\r\n")
		if l == "" {
			break
		}
		r.headers = append(r.headers, l)
	}
	if n, err := strconv.Atoi(r.header("Content-Length")); err == nil && n > 0 {
		b := make([]byte, n)
		if _, err := io.ReadFull(h.br, b); err != nil {
			return nil, err
		}
		r.body = string(b)
	}
	return r, nil
}

func post(path, body string, cookie string) string {
	s := "POST " + path + " HTTP/1.1\r\nHost: vpn.test\r\nUser-Agent: Open AnyConnect VPN Agent v9.01-3\r\n"
	if cookie != "" {
		s += "Cookie: " + cookie + "\r\n"
	}
	return s + "Content-Type: application/xml; charset=utf-8\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

const (
	initXML  = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<config-auth client="vpn" type="init" aggregate-auth-version="2"><version who="vpn">v9.01-3</version></config-auth>`
	userXML  = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<config-auth client="vpn" type="auth-reply" aggregate-auth-version="2"><auth><username>alice</username></auth></config-auth>`
	passXML  = `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<config-auth client="vpn" type="auth-reply" aggregate-auth-version="2"><auth><password>%s</password></auth></config-auth>`
	connectH = "CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: vpn.test\r\nUser-Agent: Open AnyConnect VPN Agent v9.01-3\r\nCookie: webvpn=%s\r\nX-CSTP-Version: 1\r\nX-CSTP-Hostname: vm\r\nX-CSTP-Base-MTU: 1500\r\nX-CSTP-MTU: 1390\r\nX-CSTP-Address-Type: IPv6,IPv4\r\nX-CSTP-Full-IPv6-Capability: true\r\n\r\n"
)

// login performs the three-POST password login and returns the webvpn
// cookie value.
func (h *harness) login() string {
	h.t.Helper()
	r := h.do(post("/", initXML, ""))
	if !strings.Contains(r.body, `name="username"`) {
		h.t.Fatalf("init: want username form, got %s\n%s", r.status, r.body)
	}
	r = h.do(post("/auth", userXML, ""))
	ctx := r.header("Set-Cookie")
	if !strings.Contains(r.body, `name="password"`) || !strings.HasPrefix(ctx, "webvpncontext=") {
		h.t.Fatalf("username: want password form, got %q %s", ctx, r.body)
	}
	ctxVal := strings.SplitN(strings.TrimPrefix(ctx, "webvpncontext="), ";", 2)[0]
	r = h.do(post("/auth", fmt.Sprintf(passXML, "secret"), "webvpncontext="+ctxVal))
	if r.status != "HTTP/1.1 200 OK" || !strings.Contains(r.body, `type="complete"`) {
		h.t.Fatalf("password: %s\n%s", r.status, r.body)
	}
	for _, hd := range r.headers {
		if v, ok := strings.CutPrefix(hd, "Set-Cookie: webvpn="); ok {
			return strings.SplitN(v, ";", 2)[0]
		}
	}
	h.t.Fatalf("no webvpn cookie in %q", r.headers)
	return ""
}

// connect logs in and opens the tunnel, returning the CONNECT response.
func (h *harness) connect() *resp {
	h.t.Helper()
	cookie := h.login()
	return h.do(fmt.Sprintf(connectH, cookie))
}

func (h *harness) wait() runResult {
	h.t.Helper()
	select {
	case r := <-h.done:
		return r
	case <-time.After(15 * time.Second):
		h.t.Fatal("worker did not exit")
	}
	return runResult{}
}

// tcpPair returns both ends of a fresh loopback TCP connection: the
// client's and the one the worker serves.
func tcpPair(t *testing.T) (client, server *net.TCPConn) {
	t.Helper()
	tl, err := net.ListenTCP("tcp", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer tl.Close()
	client, err = net.DialTCP("tcp", nil, tl.Addr().(*net.TCPAddr))
	if err != nil {
		t.Fatal(err)
	}
	server, err = tl.AcceptTCP()
	if err != nil {
		t.Fatal(err)
	}
	return client, server
}
