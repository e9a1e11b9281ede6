package dtls09

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// capture is one testdata/ocserv-*.txt file: a DTLS 0.9 session between
// the real ocserv 1.1.6 and openconnect 9 (GnuTLS 3.7.9).
type capture struct {
	suite     Suite
	master    []byte
	sessionID []byte
	dgrams    []capDgram
}

type capDgram struct {
	fromClient bool
	data       []byte
}

func loadCaptures(t *testing.T) []*capture {
	t.Helper()
	files, err := filepath.Glob("testdata/ocserv-*.txt")
	if err != nil || len(files) != 3 {
		t.Fatalf("captures: %v %v", files, err)
	}
	var caps []*capture
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		c := &capture{}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			k, v, _ := strings.Cut(sc.Text(), " ")
			switch k {
			case "suite":
				c.suite, _ = SuiteByName(v)
			case "master":
				c.master = unhex(t, v)
			case "session":
				c.sessionID = unhex(t, v)
			case "c", "s":
				c.dgrams = append(c.dgrams, capDgram{k == "c", unhex(t, v)})
			}
		}
		fh.Close()
		if c.suite == 0 || len(c.master) != 48 || len(c.dgrams) < 6 {
			t.Fatalf("%s: incomplete capture", f)
		}
		caps = append(caps, c)
	}
	return caps
}

func allRecords(t *testing.T, d []byte) []record {
	t.Helper()
	var rs []record
	for len(d) > 0 {
		r, rest, err := parseRecord(d)
		if err != nil {
			t.Fatalf("parse %x: %v", d, err)
		}
		rs = append(rs, r)
		d = rest
	}
	return rs
}

// TestCaptureKnownAnswer recomputes, from the logged master secret, what
// GnuTLS computed on both sides: both Finished messages decrypt, verify
// against our transcript (bodies without DTLS headers) and carry
// message_seq 2, and the first application records decrypt.
func TestCaptureKnownAnswer(t *testing.T) {
	for _, c := range loadCaptures(t) {
		t.Run(c.suite.String(), func(t *testing.T) {
			d := c.dgrams
			ch, chBody, err := findClientHello(bytes.Clone(d[0].data))
			if err != nil || !d[0].fromClient {
				t.Fatal(err)
			}
			if err := acceptHello(ch, Config{SessionID: c.sessionID, Suite: c.suite}); err != nil {
				t.Fatal(err)
			}
			shRec := allRecords(t, d[1].data)[0]
			sh, err := parseHandshake(shRec.body)
			if err != nil || sh.typ != hsServerHello || sh.msgSeq != 0 {
				t.Fatalf("ServerHello: %+v %v", sh, err)
			}
			serverRandom := sh.body[2:34]
			k := deriveKeys(c.master, ch.random, serverRandom, c.suite)
			srd, _ := newCipherState(c.suite, k.serverKey, k.serverMAC, false)
			crd, _ := newCipherState(c.suite, k.clientKey, k.clientMAC, false)

			tr := newTranscript()
			tr.add(chBody)
			tr.add(sh.body)
			sf := allRecords(t, bytes.Clone(d[3].data))[0]
			pt, ok := srd.open(sf)
			if !ok {
				t.Fatal("server Finished does not decrypt/authenticate")
			}
			m, err := parseHandshake(pt)
			if err != nil || m.typ != hsFinished || m.msgSeq != 2 {
				t.Fatalf("server Finished: %+v %v", m, err)
			}
			if want := tr.finished(c.master, "server finished"); !bytes.Equal(m.body, want) {
				t.Fatalf("server verify_data %x, we compute %x", m.body, want)
			}
			tr.add(m.body)

			cr := allRecords(t, bytes.Clone(d[4].data))
			if len(cr) != 2 || cr[0].typ != typeCCS || !bytes.Equal(cr[0].body, []byte{1, 0, 1}) || cr[0].seq != 1 {
				t.Fatalf("client CCS: %+v", cr)
			}
			pt, ok = crd.open(cr[1])
			if !ok || cr[1].epoch != 1 || cr[1].seq != 0 {
				t.Fatal("client Finished does not decrypt/authenticate")
			}
			m, err = parseHandshake(pt)
			if err != nil || m.typ != hsFinished || m.msgSeq != 2 {
				t.Fatalf("client Finished: %+v %v", m, err)
			}
			if want := tr.finished(c.master, "client finished"); !bytes.Equal(m.body, want) {
				t.Fatalf("client verify_data %x, we compute %x", m.body, want)
			}

			// Application data: the 1-byte CSTP-style type first.
			var win replayWindow
			for i, dg := range d[5:] {
				for _, r := range allRecords(t, bytes.Clone(dg.data)) {
					cs := srd
					if dg.fromClient {
						cs = crd
					}
					pt, ok := cs.open(r)
					if !ok || r.typ != typeAppData || len(pt) == 0 {
						t.Fatalf("app datagram %d (client %v) does not open", i, dg.fromClient)
					}
					if dg.fromClient {
						if !win.fresh(r.seq) {
							t.Fatalf("seq %d not fresh", r.seq)
						}
						win.accept(r.seq)
					}
					t.Logf("client=%v seq=%d type=%#x len=%d", dg.fromClient, r.seq, pt[0], len(pt))
				}
			}
		})
	}
}

// shape is the public structure of a record: everything but the random,
// IV and ciphertext.
type shape struct {
	typ   uint8
	epoch uint16
	seq   uint64
	n     int
}

func shapes(t *testing.T, d []byte) []shape {
	var s []shape
	for _, r := range allRecords(t, d) {
		s = append(s, shape{r.typ, r.epoch, r.seq, len(r.body)})
	}
	return s
}

// TestFlightMatchesOcserv feeds the captured ClientHello to our server and
// compares its flight with what ocserv sent: same datagrams, record types,
// epochs, sequence numbers and lengths, and a ServerHello identical but for
// the server random.
func TestFlightMatchesOcserv(t *testing.T) {
	for _, c := range loadCaptures(t) {
		t.Run(c.suite.String(), func(t *testing.T) {
			srv, cli := udpPair(t)
			cfg := Config{SessionID: c.sessionID, MasterSecret: c.master, Suite: c.suite, HandshakeTimeout: 2 * initialRTO}
			done := make(chan error, 1)
			go func() { _, err := Server(srv, c.dgrams[0].data, cfg); done <- err }()
			for i := 1; i <= 3; i++ {
				got := cli.read(t)
				want := c.dgrams[i].data
				if gs, ws := shapes(t, got), shapes(t, want); len(gs) != len(ws) || gs[0] != ws[0] {
					t.Errorf("datagram %d: records %+v, ocserv sent %+v", i, gs, ws)
				}
				if i == 1 {
					// header(13+12) version(2) | random(32) | rest
					if !bytes.Equal(got[:27], want[:27]) || !bytes.Equal(got[59:], want[59:]) {
						t.Errorf("ServerHello\n got %x\nwant %x", got, want)
					}
				}
				if i == 2 && !bytes.Equal(got, want) {
					t.Errorf("ChangeCipherSpec %x, ocserv %x", got, want)
				}
			}
			if err := <-done; err == nil {
				t.Error("handshake without a client Finished succeeded")
			}
		})
	}
}
