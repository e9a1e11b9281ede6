package e2e

// Helpers of the dtls2_*_test.go tests (issue 4, criteria 3 and 4): an
// nftables UDP drop inside a client namespace, a small UDP sender that
// runs inside a client namespace, a forged DTLS ClientHello, and the
// server namespace's connected UDP sockets from ss.

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// nftTable is the table the UDP block lives in (client namespace only).
const nftTable = "ocdtlsblk"

// blockUDP makes UDP to and from the server's port vanish inside client
// namespace ns only, without the client's sends failing (a netfilter drop
// of a locally sent packet, or a blackhole route, fails the send with
// EPERM/EINVAL and openconnect then gives up on DTLS at once): outgoing
// datagrams to the port are policy-routed into one end of a veth pair
// whose other end is down (no ARP), which discards them and reports
// success; incoming datagrams from the port are
// dropped by an nftables input rule. unblockUDP undoes both.
func blockUDP(t *testing.T, r *rig.Rig, ns string, port int) {
	t.Helper()
	rig.RequireProgram(t, "nft")
	p := strconv.Itoa(port)
	r.MustExec(ns, "ip", "link", "add", blkDev, "type", "veth", "peer", "name", blkDev+"p")
	r.MustExec(ns, "ip", "link", "set", blkDev, "arp", "off", "up")
	r.MustExec(ns, "ip", "route", "add", "default", "dev", blkDev, "table", blkTable)
	r.MustExec(ns, "ip", "rule", "add", "pref", blkTable, "ipproto", "udp", "dport", p, "lookup", blkTable)
	r.MustExec(ns, "nft", "add", "table", "inet", nftTable)
	r.MustExec(ns, "nft", "add", "chain", "inet", nftTable, "in", "{ type filter hook input priority 0 ; policy accept ; }")
	r.MustExec(ns, "nft", "add", "rule", "inet", nftTable, "in", "udp", "sport", p, "drop")
}

func unblockUDP(t *testing.T, r *rig.Rig, ns string) {
	t.Helper()
	r.MustExec(ns, "ip", "rule", "del", "pref", blkTable)
	r.MustExec(ns, "ip", "link", "del", blkDev)
	r.MustExec(ns, "nft", "delete", "table", "inet", nftTable)
}

// The block's veth end and routing table / rule preference.
const (
	blkDev   = "ocblk0"
	blkTable = "4443"
)

// udpPort is the configuration's udp-port.
func udpPort(t *testing.T, cfg *rig.Config) int {
	t.Helper()
	v := cfg.Get("udp-port")
	if len(v) == 0 {
		t.Fatal("the configuration has no udp-port")
	}
	p, err := strconv.Atoi(v[0])
	if err != nil {
		t.Fatalf("udp-port %q: %v", v[0], err)
	}
	return p
}

// sendUDPFrom sends each payload from a fresh UDP socket (so a fresh
// source port) created inside network namespace ns, to dst. The sockets
// are made on a locked OS thread switched into ns and back.
func sendUDPFrom(t *testing.T, ns string, dst netip.AddrPort, payloads ...[]byte) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is left locked on any failure to switch back, so the
		// runtime discards it instead of reusing it in the wrong namespace.
		self, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- err
			return
		}
		defer self.Close()
		target, err := os.Open("/run/netns/" + ns)
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("setns %s: %w", ns, err)
			return
		}
		var conns []*net.UDPConn
		var serr error
		for range payloads {
			c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst))
			if err != nil {
				serr = err
				break
			}
			conns = append(conns, c)
		}
		if err := unix.Setns(int(self.Fd()), unix.CLONE_NEWNET); err != nil {
			for _, c := range conns {
				c.Close()
			}
			errc <- fmt.Errorf("setns back: %w", err)
			return
		}
		runtime.UnlockOSThread()
		for i, c := range conns {
			if serr == nil {
				_, serr = c.Write(payloads[i])
			}
			c.Close()
		}
		errc <- serr
	}()
	select {
	case err := <-errc:
		if err != nil {
			t.Fatalf("sending UDP from %s: %v", ns, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sending UDP: timed out")
	}
}

// forgedHello is a well-formed DTLS 1.2 ClientHello record naming id in
// its session_id field (where openconnect puts the App-ID / Session-ID),
// with a random ClientHello random and one PSK suite. Nobody who lacks
// the session's keys can complete a handshake from it.
func forgedHello(id []byte) []byte {
	var body []byte
	body = append(body, 0xfe, 0xfd) // client_version DTLS 1.2
	rnd := make([]byte, 32)
	_, _ = rand.Read(rnd)
	rnd[0] |= 1 // never the all-zero random of broken clients
	body = append(body, rnd...)
	body = append(body, byte(len(id)))
	body = append(body, id...)
	body = append(body, 0)                // cookie
	body = append(body, 0, 2, 0x00, 0xa9) // cipher_suites: PSK-AES256-GCM-SHA384
	body = append(body, 1, 0)             // compression: null
	hs := []byte{1}                       // client_hello
	hs = append(hs, byte(len(body)>>16), byte(len(body)>>8), byte(len(body)))
	hs = append(hs, 0, 0)                                                     // message_seq
	hs = append(hs, 0, 0, 0)                                                  // fragment_offset
	hs = append(hs, byte(len(body)>>16), byte(len(body)>>8), byte(len(body))) // fragment_length
	hs = append(hs, body...)
	rec := []byte{22, 0xfe, 0xff, 0, 0, 0, 0, 0, 0, 0, 0}
	rec = binary.BigEndian.AppendUint16(rec, uint16(len(hs)))
	return append(rec, hs...)
}

// garbageRecord is a DTLS 1.2 application-data record header followed by
// random bytes: it passes main's version check and is not a ClientHello,
// so main treats it as a NAT-rebound flow of the session whose client
// has the sender's address.
func garbageRecord(n int) []byte {
	b := make([]byte, 13+n)
	_, _ = rand.Read(b[13:])
	copy(b, []byte{23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 9})
	binary.BigEndian.PutUint16(b[11:], uint16(n))
	return b
}

// udpSock is one connected UDP socket of `ss -uanp`.
type udpSock struct {
	Local, Peer netip.AddrPort
	PIDs        []int
}

var ssPIDRE = regexp.MustCompile(`pid=(\d+)`)

// connectedUDP lists the server namespace's UDP sockets that have a peer
// (ocserv's per-client sockets), with the processes holding them.
func connectedUDP(t *testing.T, r *rig.Rig) []udpSock {
	t.Helper()
	out := r.MustExec(r.ServerNS, "ss", "-uanpH")
	var socks []udpSock
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		local, err1 := netip.ParseAddrPort(f[3])
		peer, err2 := netip.ParseAddrPort(f[4])
		if err1 != nil || err2 != nil {
			continue // "*" or "0.0.0.0:*": not connected
		}
		s := udpSock{Local: local, Peer: peer}
		for _, m := range ssPIDRE.FindAllStringSubmatch(line, -1) {
			pid, _ := strconv.Atoi(m[1])
			s.PIDs = append(s.PIDs, pid)
		}
		socks = append(socks, s)
	}
	return socks
}
