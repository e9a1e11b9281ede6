package worker

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ocserv-go/ocserv/internal/dtlsx"
	"github.com/ocserv-go/ocserv/internal/httpwire"
)

// DTLS modes negotiated in CONNECT (protocol.md §6.2).
const (
	dtlsNone = iota
	dtlsPSK
	dtlsLegacy12
	dtlsLegacy09
)

// dtls09Server, when set (dtls_09.go), serves DTLS 0.9 resumption; until
// then the 0.9 names are not offered.
var dtls09Server func(ctx context.Context, d *dtlsState, pc *dtlsx.PacketConn, first []byte) (dtlsx.Conn, error)

// dtlsState is a tunnel's UDP side: the mode and keys fixed at CONNECT,
// and the active DTLS channel (replaced when the client re-establishes
// DTLS, as ocserv's DTLS_ACTIVE / DTLS_INACTIVE slots).
type dtlsState struct {
	mode    int
	id      []byte // App-ID / Session-ID (from main)
	psk     []byte
	master  []byte
	legacy  dtlsx.Legacy
	suites  []dtlsx.SuiteID
	port    int
	ipOver  int
	linkMTU int

	ctx    context.Context
	cancel context.CancelFunc
	finish func(end)

	mu       sync.Mutex
	active   dtlsx.Conn
	pc       *dtlsx.PacketConn // socket under active (nil for 0.9)
	hsCancel context.CancelFunc
	gen      uint64

	wmu      sync.Mutex // serialises writes to active
	up       atomic.Bool
	lastRecv atomic.Int64 // unix nanos of the last DTLS record received
	lastDPD  atomic.Int64 // unix nanos of our last DTLS DPD request
	dpdBusy  atomic.Bool  // a DTLS DPD request is being written
}

// dtlsSetup picks the DTLS mode from the CONNECT headers and the
// configuration and returns the crypto overhead for the MTU arithmetic
// (protocol.md §6.10): 1 + the record overhead, or 0 without DTLS.
func (s *session) dtlsSetup(r *httpwire.Request, ipOver int) int {
	w, v, gc := s.w, s.w.vhost, s.rep.GetConfig()
	if w.cfg.UDPPort == 0 || gc.GetNoUdp() || len(s.rep.GetSessionId()) == 0 {
		return 0
	}
	cs, _ := r.Exact("X-DTLS-CipherSuite")
	cs12, _ := r.Exact("X-DTLS12-CipherSuite")
	tlsState := w.tlsConn.ConnectionState()
	_, tlsCipher, tlsMAC := suiteParts(tlsState.CipherSuite)
	d := &dtlsState{id: s.rep.GetSessionId(), port: w.cfg.UDPPort, ipOver: ipOver}
	overhead := 0
	if w.cfg.DTLSPSK && dtlsx.OffersPSK(cs, cs12) {
		suites := dtlsx.PSKSuites(v.MatchTLSDTLSCiphers, tlsCipher)
		psk, err := tlsState.ExportKeyingMaterial("EXPORTER-openconnect-psk", nil, 32)
		switch {
		case err != nil:
			w.log.Infof("cannot derive the DTLS PSK: %v", err)
		case len(suites) == 0:
			w.log.Infof("no DTLS PSK cipher suite matches the TLS cipher %s", tlsCipher)
		default:
			d.mode, d.psk = dtlsPSK, psk
			d.suites = suites
			overhead = dtlsx.TLSOverhead(tlsCipher, tlsMAC)
		}
	}
	if d.mode == dtlsNone && v.DTLSLegacy {
		ms, _ := r.Exact("X-DTLS-Master-Secret")
		master, err := hex.DecodeString(strings.TrimSpace(ms))
		if err == nil && len(master) == 48 {
			if l, ok := dtlsx.SelectLegacy(cs, cs12, tlsCipher, tlsMAC, dtls09Server != nil); ok {
				d.master, d.legacy = master, l
				d.mode = dtlsLegacy12
				if l.DTLS09 {
					d.mode = dtlsLegacy09
				}
				overhead = l.Overhead
			}
		}
	}
	if d.mode == dtlsNone {
		return 0
	}
	s.dtls = d
	return 1 + overhead
}

// dtlsHeaders adds the DTLS block of the CONNECT response (protocol.md
// §4.3 rows 25a–25f). The DTLS rekey method is never "ssl" (pitfalls 14).
func (s *session) dtlsHeaders(add func(string, string), rekeyJitter int) {
	d := s.dtls
	if d == nil {
		return
	}
	v := s.w.vhost
	if s.dpd > 0 {
		add("X-DTLS-DPD", strconv.Itoa(s.dpd))
	}
	add("X-DTLS-Port", strconv.Itoa(d.port))
	if v.RekeyTime > 0 {
		add("X-DTLS-Rekey-Time", strconv.Itoa(v.RekeyTime+rekeyJitter+10))
	}
	add("X-DTLS-Keepalive", strconv.Itoa(s.keepalive))
	if d.mode == dtlsPSK {
		add("X-DTLS-App-ID", hex.EncodeToString(d.id))
		add("X-DTLS-CipherSuite", "PSK-NEGOTIATE")
		return
	}
	add("X-DTLS-Session-ID", hex.EncodeToString(d.id))
	add(d.legacy.Header, d.legacy.Name)
	add("X-DTLS-MTU", strconv.Itoa(s.dataMTU))
}
