package secmod

import (
	"io"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// FuzzWorkerRequest feeds arbitrary bytes to sec-mod's worker request
// handler, as a hostile worker could: it must never panic or hang.
func FuzzWorkerRequest(f *testing.F) {
	cfgPath, _, _ := writeFixture(f, f.TempDir(), "")
	key := make([]byte, 32)
	st := &ipcpb.SecmodStartup{HmacKey: key, ConfigFile: proto.String(cfgPath)}
	log := logx.NewWithOptions("sec-mod", logx.Options{Level: 0, NoSyslog: true})
	s, err := newServer(st, options{log: log})
	if err != nil {
		f.Fatal(err)
	}
	frame := func(cmd ipc.Cmd, m proto.Message) []byte {
		b, _ := proto.Marshal(m)
		return ipc.AppendFrame(nil, cmd, b)
	}
	init := &ipcpb.SecAuthInit{
		UserName: proto.String("alice"), Ip: proto.String("192.0.2.1"), OurIp: proto.String("192.0.2.2"),
		AuthType: proto.Uint32(5), SessionStartTime: proto.Uint64(uint64(time.Now().Unix())),
	}
	init.Hmac = AuthInitHMAC(key, "192.0.2.1", "192.0.2.2", init.GetSessionStartTime())
	f.Add(frame(ipc.CmdSecAuthInit, init))
	f.Add(frame(ipc.CmdSecAuthCont, &ipcpb.SecAuthCont{Sid: make([]byte, 32), Password: proto.String("x")}))
	f.Add(frame(ipc.CmdSecCliStats, &ipcpb.CliStats{Sid: make([]byte, 32), DisconReason: proto.Uint32(2)}))
	f.Add(frame(ipc.CmdSecSignHash, &ipcpb.SecOp{KeyIdx: proto.Uint32(1), Data: make([]byte, 32), Hash: proto.Uint32(5)}))
	f.Add(frame(ipc.CmdSecDecrypt, &ipcpb.SecOp{Data: make([]byte, 256)}))
	f.Add(frame(ipc.ResumeFetchReq, &ipcpb.SessionResumeFetch{SessionId: []byte("x")}))
	f.Add([]byte{120, 0xff, 0xff, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		a, b, err := ipc.SocketpairConns()
		if err != nil {
			t.Fatal(err)
		}
		defer a.Close()
		a.SetDeadline(time.Now().Add(5 * time.Second))
		a.Write(data)
		a.CloseWrite()
		done := make(chan struct{})
		go func() { s.serveWorkerConn(b); close(done) }()
		io.Copy(io.Discard, a)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Fatal("request handler hung")
		}
	})
}

// FuzzParseStatStart feeds arbitrary /proc/PID/stat text (a worker chooses
// its own command name, field 2, which may contain ") Z 1 2 ..."): the
// parser must not panic, and a command name cannot forge the fields after
// it.
func FuzzParseStatStart(f *testing.F) {
	f.Add([]byte("1234 (ocserv-worker) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 424242 19 20"))
	f.Add([]byte("1 () Z"))
	f.Add([]byte(")"))
	f.Fuzz(func(t *testing.T, comm []byte) {
		parseStatStart(comm)
		const tail = ") S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 777 19 20"
		line := append(append([]byte("99 ("), comm...), tail...)
		if st, err := parseStatStart(line); err != nil || st != 777 {
			t.Fatalf("comm %q: start %d, %v; want 777", comm, st, err)
		}
	})
}
