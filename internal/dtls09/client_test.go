package dtls09

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"testing"
)

// testClient is a DTLS 0.9 client written from the protocol description
// (the openconnect/GnuTLS side of the abbreviated handshake), used to drive
// the server in tests.
type testClient struct {
	master, sid []byte
	suites      []Suite
	noExt       bool
	random      []byte
	chBody      []byte
	rd, wr      *cipherState
	tr          *transcript
	serverSeqs  []uint64
}

func newTestClient(master, sid []byte, suites ...Suite) *testClient {
	r := make([]byte, 32)
	rand.Read(r)
	return &testClient{master: master, sid: sid, suites: suites, random: r}
}

// hello is the ClientHello datagram, shaped like openconnect's.
func (c *testClient) hello() []byte {
	b := []byte{1, 0}
	b = append(b, c.random...)
	b = append(b, byte(len(c.sid)))
	b = append(b, c.sid...)
	b = append(b, 0) // cookie
	b = append(b, 0, byte(2*len(c.suites)))
	for _, s := range c.suites {
		b = append(b, byte(s>>8), byte(s))
	}
	b = append(b, 1, 0)
	if !c.noExt {
		b = append(b, 0, 15, 0, 0x23, 0, 0, 0xff, 1, 0, 1, 0, 0, 0x1c, 0, 2, 0x40, 0)
	}
	c.chBody = b
	return plainRecord(nil, typeHandshake, 0, appendHandshake(nil, hsClientHello, 0, b))
}

// flight checks the server's three datagrams and sets up the keys.
func (c *testClient) flight(d [][]byte) error {
	var recs []record
	for _, dg := range d {
		for len(dg) > 0 {
			r, rest, err := parseRecord(dg)
			if err != nil {
				return err
			}
			recs = append(recs, r)
			dg = rest
		}
	}
	if len(recs) != 3 || recs[0].typ != typeHandshake || recs[1].typ != typeCCS || recs[2].typ != typeHandshake ||
		recs[0].epoch != 0 || recs[1].epoch != 0 || recs[2].epoch != 1 {
		return fmt.Errorf("flight records %+v", recs)
	}
	if !bytes.Equal(recs[1].body, []byte{1, 0, 1}) {
		return fmt.Errorf("CCS body %x", recs[1].body)
	}
	sh, err := parseHandshake(recs[0].body)
	if err != nil || sh.typ != hsServerHello || sh.msgSeq != 0 {
		return fmt.Errorf("ServerHello %+v %v", sh, err)
	}
	r := reader{b: sh.body}
	ver, _ := r.u16()
	srand, _ := r.bytes(32)
	sid, _ := r.vec8()
	suite, _ := r.u16()
	comp, ok := r.bytes(1)
	if !ok || ver != 0x0100 || !bytes.Equal(sid, c.sid) || comp[0] != 0 {
		return fmt.Errorf("ServerHello body %x", sh.body)
	}
	wantExt := []byte{0, 6, 0, 0x1c, 0, 2, 0x40, 0}
	if c.noExt {
		wantExt = nil
	}
	if !bytes.Equal(r.b, wantExt) {
		return fmt.Errorf("ServerHello extensions %x, want %x", r.b, wantExt)
	}
	k := deriveKeys(c.master, c.random, srand, Suite(suite))
	if c.rd, err = newCipherState(Suite(suite), k.serverKey, k.serverMAC, false); err != nil {
		return err
	}
	if c.wr, err = newCipherState(Suite(suite), k.clientKey, k.clientMAC, true); err != nil {
		return err
	}
	c.tr = newTranscript()
	c.tr.add(c.chBody)
	c.tr.add(sh.body)
	pt, ok := c.rd.open(recs[2])
	if !ok {
		return errors.New("server Finished does not authenticate")
	}
	fin, err := parseHandshake(pt)
	if err != nil || fin.typ != hsFinished || fin.msgSeq != 2 {
		return fmt.Errorf("server Finished %+v %v", fin, err)
	}
	if want := c.tr.finished(c.master, "server finished"); !bytes.Equal(fin.body, want) {
		return fmt.Errorf("server verify_data %x, want %x", fin.body, want)
	}
	c.tr.add(fin.body)
	return nil
}

// finish returns the client's CCS and Finished as one datagram, with the
// given application payloads appended as further records.
func (c *testClient) finish(extra ...[]byte) []byte {
	d := plainRecord(nil, typeCCS, 1, []byte{1, 0, 1})
	fin := appendHandshake(nil, hsFinished, 2, c.tr.finished(c.master, "client finished"))
	d, _ = c.wr.seal(d, typeHandshake, fin, rand.Reader)
	for _, p := range extra {
		d, _ = c.wr.seal(d, typeAppData, p, rand.Reader)
	}
	return d
}

func (c *testClient) seal(p []byte) []byte {
	d, _ := c.wr.seal(nil, typeAppData, p, rand.Reader)
	return d
}

// open returns the payloads of the server's application records.
func (c *testClient) open(t testing.TB, d []byte) [][]byte {
	t.Helper()
	var out [][]byte
	for len(d) > 0 {
		r, rest, err := parseRecord(d)
		if err != nil {
			t.Fatal(err)
		}
		d = rest
		pt, ok := c.rd.open(r)
		if !ok {
			t.Fatalf("server record (type %d seq %d) does not authenticate", r.typ, r.seq)
		}
		c.serverSeqs = append(c.serverSeqs, r.seq)
		out = append(out, append([]byte{r.typ}, pt...))
	}
	return out
}
