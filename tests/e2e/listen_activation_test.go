package e2e

import (
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// The test binary doubles as a socket-activation launcher, the way systemd
// starts a service: with OCR_ACTIVATE="tcp:ADDR:PORT,udp:ADDR:PORT" it binds
// those sockets, puts them on fds 3, 4, ..., sets LISTEN_PID (its own pid,
// kept across exec) and LISTEN_FDS, and execs OCR_ACTIVATE_EXEC with its
// own arguments. It runs from init so that no shared TestMain is needed.
func init() {
	spec := os.Getenv("OCR_ACTIVATE")
	if spec == "" {
		return
	}
	err := activationLaunch(spec, os.Getenv("OCR_ACTIVATE_EXEC"), os.Args[1:])
	fmt.Fprintf(os.Stderr, "activation launcher: %v\n", err)
	os.Exit(127)
}

func activationLaunch(spec, prog string, args []string) error {
	var fds []int
	for _, item := range strings.Split(spec, ",") {
		kind, addr, ok := strings.Cut(item, ":")
		if !ok {
			return fmt.Errorf("bad item %q", item)
		}
		ap, err := netip.ParseAddrPort(addr)
		if err != nil {
			return err
		}
		typ := unix.SOCK_STREAM
		if kind == "udp" {
			typ = unix.SOCK_DGRAM
		}
		fd, err := unix.Socket(unix.AF_INET, typ|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
		if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: ap.Addr().As4(), Port: int(ap.Port())}); err != nil {
			return fmt.Errorf("bind %s %s: %w", kind, ap, err)
		}
		if typ == unix.SOCK_STREAM {
			if err := unix.Listen(fd, 64); err != nil {
				return err
			}
		}
		fds = append(fds, fd)
	}
	// Move them out of the way first, then onto 3, 4, ... without
	// close-on-exec.
	for i, fd := range fds {
		if err := unix.Dup3(fd, 200+i, unix.O_CLOEXEC); err != nil {
			return err
		}
	}
	for i := range fds {
		if err := unix.Dup3(200+i, 3+i, 0); err != nil {
			return err
		}
	}
	env := []string{"LISTEN_PID=" + strconv.Itoa(os.Getpid()), "LISTEN_FDS=" + strconv.Itoa(len(fds))}
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "OCR_ACTIVATE") && !strings.HasPrefix(e, "LISTEN_") {
			env = append(env, e)
		}
	}
	return syscall.Exec(prog, append([]string{prog}, args...), env)
}

// listening reports whether something in ns listens on (TCP) or is bound
// to (UDP) port.
func listening(r *rig.Rig, ns, proto string, port int) bool {
	flag := "-Hltn"
	if proto == "udp" {
		flag = "-Hlun"
	}
	out, err := r.ExecTimeout(5*time.Second, ns, "ss", flag, fmt.Sprintf("sport = :%d", port))
	return err == nil && strings.TrimSpace(out) != ""
}

// TestListenActivation: started the way systemd starts a socket-activated
// service (LISTEN_PID/LISTEN_FDS, a TCP and a UDP socket on port 443 while
// the configuration says 4443), ours serves on the passed sockets: the
// ports of the passed sockets replace tcp-port and udp-port (as ocserv's
// libsystemd builds do), openconnect logs in through them and gets DTLS on
// the passed UDP socket, and nothing is bound on 4443. The real ocserv
// 1.1.6 of Debian is not linked with libsystemd (scripts.md §5.3): started
// the same way it ignores the passed sockets and binds tcp-port itself;
// the test checks that reference behaviour and logs it.
func TestListenActivation(t *testing.T) {
	r := rig.New(t, rig.Options{})
	r.AddUser("alice", "alice-Pass-1")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	srvAddr := r.Link(0).ServerAddr
	spec := fmt.Sprintf("tcp:%s:443,udp:%s:443", srvAddr, srvAddr)
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) {
			cfg := dtlsConfig(r).Set("tcp-port", "4443").Set("udp-port", "4443")
			srv := r.StartServer(cfg, rig.ServerOptions{Binary: self, Debug: 3, NoWait: true,
				Env: []string{"OCR_ACTIVATE=" + spec, "OCR_ACTIVATE_EXEC=" + serverBinary(t, kind)}})
			defer srv.Stop()
			if kind == realServer {
				r.WaitFor(15*time.Second, "the real ocserv binds tcp-port 4443 itself", func() bool {
					return listening(r, r.ServerNS, "tcp", 4443)
				})
				t.Logf("real ocserv (no libsystemd) ignored LISTEN_FDS and bound tcp-port 4443 itself")
				return
			}
			if !srv.WaitLog("listening on 2 systemd sockets", 15*time.Second) {
				t.Fatalf("no 'listening on 2 systemd sockets' in the log:\n%s", srv.Log())
			}
			if !srv.Running() {
				t.Fatalf("server exited:\n%s", srv.Log())
			}
			c := r.Connect(rig.ClientOptions{User: "alice", Password: "alice-Pass-1"})
			suite := waitDTLS(t, r, c, 20*time.Second)
			t.Logf("DTLS over the activated UDP socket: %s", suite)
			if err := c.Ping(r.ServerTunAddr(), 3); err != nil {
				t.Fatal(err)
			}
			if listening(r, r.ServerNS, "tcp", 4443) || listening(r, r.ServerNS, "udp", 4443) {
				t.Errorf("something is bound on the configured port 4443 although systemd passed the sockets")
			}
			if strings.Contains(srv.Log(), "listening (TCP) on") {
				t.Errorf("ours bound its own TCP listener under socket activation")
			}
			out, err := srv.Occtl("", "show", "users")
			if err != nil || !strings.Contains(out, "alice") {
				t.Errorf("occtl show users: %v\n%s", err, out)
			}
			c.Disconnect()
		})
	}
}
