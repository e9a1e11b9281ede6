package cstp

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseHeader(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		max     int
		wantT   Type
		wantN   int
		wantErr error
	}{
		{"dpd request", "5354460100000300", 0, TypeDPDReq, 0, nil},
		{"data 1500", "53544601" + "05dc" + "0000", 0, TypeData, 1500, nil},
		{"max 16 bit", "53544601ffff0000", 0, TypeData, 0xffff, nil},
		{"over negotiated max", "5354460105dd0000", 1500, 0, 0, ErrTooLong},
		{"at negotiated max", "5354460105dc0000", 1500, TypeData, 1500, nil},
		{"short", "53544601000003", 0, 0, 0, ErrShortHeader},
		{"bad magic", "5354470100000300", 0, 0, 0, ErrBadMagic},
		{"bad version", "5354460200000300", 0, 0, 0, ErrBadMagic},
		{"byte 7 non-zero", "5354460100000301", 0, 0, 0, ErrBadMagic},
		{"unknown type kept", "535446010000aa00", 0, Type(0xaa), 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, n, err := ParseHeader(mustHex(t, tt.in), tt.max)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (typ != tt.wantT || n != tt.wantN) {
				t.Fatalf("got (%v,%d), want (%v,%d)", typ, n, tt.wantT, tt.wantN)
			}
		})
	}
}

func TestParseRecord(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Packet
		wantErr error
	}{
		{"bye", "5354460100120500b041626f727465642062792063616c6c6572", Packet{TypeDisconnect, []byte("\xb0Aborted by caller")}, nil},
		{"record longer than header", "535446010001000041ff", Packet{}, ErrLength},
		{"record shorter than header", "5354460100020000ff", Packet{}, ErrLength},
		{"empty keepalive", "5354460100000700", Packet{TypeKeepalive, []byte{}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := ParseRecord(mustHex(t, tt.in), 0)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil && (p.Type != tt.want.Type || !bytes.Equal(p.Payload, tt.want.Payload)) {
				t.Fatalf("got %v %q, want %v %q", p.Type, p.Payload, tt.want.Type, tt.want.Payload)
			}
		})
	}
}

func TestAppendAndFixedPackets(t *testing.T) {
	tests := []struct {
		name string
		got  func() ([]byte, error)
		want string
	}{
		// Observed: ocserv's reply to openconnect's empty DPD request.
		{"dpd response", func() ([]byte, error) { return AppendDPDResponse(nil, nil) }, "5354460100000400"},
		{"dpd response echoes payload", func() ([]byte, error) { return AppendDPDResponse(nil, []byte{1, 2, 3}) }, "5354460100030400010203"},
		{"kick", func() ([]byte, error) { return Kick(), nil }, "5354460100000500"},
		{"dpd request", func() ([]byte, error) { return DPDRequest(), nil }, "5354460100000300"},
		{"keepalive", func() ([]byte, error) { return Keepalive(), nil }, "5354460100000700"},
		// Observed: openconnect's bye on exit.
		{"bye", func() ([]byte, error) { return AppendBye(nil, "Aborted by caller") }, "5354460100120500b041626f727465642062792063616c6c6572"},
		{"data", func() ([]byte, error) { return Append([]byte{0xee}, TypeData, []byte{0x45, 0}) }, "ee53544601000200004500"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.got()
			if err != nil {
				t.Fatal(err)
			}
			if hex.EncodeToString(got) != tt.want {
				t.Fatalf("got %x, want %s", got, tt.want)
			}
		})
	}
	if _, err := Append(nil, TypeData, make([]byte, MaxPayload+1)); !errors.Is(err, ErrTooLong) {
		t.Fatalf("oversized append: err = %v", err)
	}
	if err := Frame(make([]byte, 3), TypeData); !errors.Is(err, ErrShortHeader) {
		t.Fatalf("short frame: err = %v", err)
	}
}

func TestParseDisconnect(t *testing.T) {
	tests := []struct {
		name       string
		payload    []byte
		wantKind   DisconnectKind
		wantReason string
	}{
		{"empty is temporary", nil, DisconnectTemporary, ""},
		{"0xb0 is user quit", []byte("\xb0Aborted by caller"), DisconnectUser, "Aborted by caller"},
		{"bare 0xb0", []byte{0xb0}, DisconnectUser, ""},
		{"other is invalid", []byte{0x01, 'x'}, DisconnectInvalid, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, r := ParseDisconnect(tt.payload)
			if k != tt.wantKind || r != tt.wantReason {
				t.Fatalf("got (%v,%q), want (%v,%q)", k, r, tt.wantKind, tt.wantReason)
			}
		})
	}
}

func stream(t testing.TB, pkts ...Packet) []byte {
	var b []byte
	for _, p := range pkts {
		var err error
		if b, err = Append(b, p.Type, p.Payload); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

func TestReader(t *testing.T) {
	pkts := []Packet{
		{TypeData, bytes.Repeat([]byte{0x45}, 1400)},
		{TypeDPDReq, nil},
		{TypeKeepalive, nil},
		{TypeCompressed, []byte("lz4")},
		{TypeData, bytes.Repeat([]byte{0x60}, MaxPayload)},
		{TypeDisconnect, []byte("\xb0bye")},
	}
	raw := stream(t, pkts...)
	readers := map[string]func() io.Reader{
		"whole":    func() io.Reader { return bytes.NewReader(raw) },
		"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(raw)) },
		"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(raw)) },
		"data+EOF": func() io.Reader { return iotest.DataErrReader(bytes.NewReader(raw)) },
	}
	for name, mk := range readers {
		t.Run(name, func(t *testing.T) {
			r := NewReader(mk(), 0)
			for i, want := range pkts {
				p, err := r.Next()
				if err != nil {
					t.Fatalf("packet %d: %v", i, err)
				}
				if p.Type != want.Type || !bytes.Equal(p.Payload, want.Payload) {
					t.Fatalf("packet %d: got %v len %d, want %v len %d", i, p.Type, len(p.Payload), want.Type, len(want.Payload))
				}
			}
			if _, err := r.Next(); err != io.EOF {
				t.Fatalf("at end: err = %v, want io.EOF", err)
			}
		})
	}
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		max     int
		wantErr error
	}{
		{"too long for negotiated max", stream(t, Packet{TypeData, make([]byte, 1501)}), 1500, ErrTooLong},
		{"bad magic", []byte("GET / HTTP/1.1\r\n"), 0, ErrBadMagic},
		{"truncated header", []byte("STF\x01\x00"), 0, io.ErrUnexpectedEOF},
		{"truncated payload", stream(t, Packet{TypeData, make([]byte, 20)})[:15], 0, io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(tt.in), tt.max)
			_, err := r.Next()
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if _, err2 := r.Next(); !errors.Is(err2, tt.wantErr) {
				t.Fatalf("error not sticky: %v", err2)
			}
		})
	}
	r := NewReader(iotest.ErrReader(errors.New("boom")), 0)
	if _, err := r.Next(); err == nil || errors.Is(err, io.EOF) {
		t.Fatalf("read error not reported: %v", err)
	}
}

// recorder records each Write call separately.
type recorder struct {
	mu     sync.Mutex
	writes [][]byte
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.writes = append(r.writes, append([]byte(nil), p...))
	return len(p), nil
}

func TestWriterOneWritePerPacket(t *testing.T) {
	rec := &recorder{}
	w := NewWriter(rec)
	frame := make([]byte, HeaderLen+4)
	copy(frame[HeaderLen:], "\x45abc")
	steps := []struct {
		do   func() error
		want string
	}{
		{func() error { return w.WriteData([]byte{0x45, 0, 0, 1}) }, "535446010004000045000001"},
		{func() error { return w.WriteDPDResponse([]byte{9}) }, "53544601000104" + "0009"},
		{func() error { return w.WriteKick() }, "5354460100000500"},
		{func() error { return w.WriteFrame(frame, TypeCompressed) }, "535446010004080045616263"},
		{func() error { return w.WritePacket(TypeData, make([]byte, 3000)) }, "53544601" + "0bb8" + "0000" + hex.EncodeToString(make([]byte, 3000))},
	}
	for i, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if len(rec.writes) != i+1 {
			t.Fatalf("step %d: %d writes, want %d", i, len(rec.writes), i+1)
		}
		if got := hex.EncodeToString(rec.writes[i]); got != s.want {
			t.Fatalf("step %d: wrote %s, want %s", i, got, s.want)
		}
	}
	if err := w.WritePacket(TypeData, make([]byte, MaxPayload+1)); !errors.Is(err, ErrTooLong) {
		t.Fatalf("oversized packet: %v", err)
	}
}

// TestPipeRoundTrip runs a Writer and a Reader across net.Pipe, with
// concurrent writers, and checks nothing is interleaved.
func TestPipeRoundTrip(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	_ = b.SetReadDeadline(time.Now().Add(10 * time.Second))
	w := NewWriter(a)
	const perWriter = 200
	var wg sync.WaitGroup
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				p := bytes.Repeat([]byte{byte(g)}, 1+i%1400)
				if err := w.WriteData(p); err != nil {
					t.Error(err)
					return
				}
			}
		}(g)
	}
	go func() { wg.Wait(); a.Close() }()
	r := NewReader(b, 1500)
	count := 0
	for {
		p, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d packets: %v", count, err)
		}
		if p.Type != TypeData || len(p.Payload) == 0 || !bytes.Equal(p.Payload, bytes.Repeat(p.Payload[:1], len(p.Payload))) {
			t.Fatalf("packet %d mangled", count)
		}
		count++
	}
	if count != 2*perWriter {
		t.Fatalf("got %d packets, want %d", count, 2*perWriter)
	}
}

func TestReaderDoesNotAllocate(t *testing.T) {
	raw := stream(t, Packet{TypeData, make([]byte, 1400)}, Packet{TypeDPDReq, nil})
	br := bytes.NewReader(raw)
	r := NewReader(br, 1500)
	allocs := testing.AllocsPerRun(100, func() {
		br.Reset(raw)
		r.err = nil
		for i := 0; i < 2; i++ {
			if _, err := r.Next(); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

func TestTypeString(t *testing.T) {
	if TypeDPDReq.String() != "DPD-REQ" || Type(0x42).String() != "UNKNOWN(0x42)" {
		t.Fatalf("unexpected names %q %q", TypeDPDReq, Type(0x42))
	}
}
