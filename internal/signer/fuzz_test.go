package signer

import (
	"crypto"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// FuzzHandle plays a hostile worker: any command byte and body must be
// decoded and validated without panicking, and only key operations on
// known keys may succeed.
func FuzzHandle(f *testing.F) {
	testKeys(nil)
	plain := Keys{{"", 0}: rsaKey, {"", 1}: ecKey, {"", 2}: edKey}
	keys := WithRSAKeyExchange(plain, func(v string) bool { return v == "" })
	seed := func(c ipc.Cmd, op *ipcpb.SecOp) {
		b, _ := proto.Marshal(op)
		f.Add(byte(c), b)
	}
	seed(ipc.CmdSecSignHash, &ipcpb.SecOp{KeyIdx: proto.Uint32(1), Hash: proto.Uint32(uint32(crypto.SHA256)), Data: make([]byte, 32)})
	seed(ipc.CmdSecSignData, &ipcpb.SecOp{KeyIdx: proto.Uint32(2), Data: []byte("m")})
	seed(ipc.CmdSecSign, &ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: make([]byte, 36)})
	f.Add(byte(ipc.CmdSecDecrypt), []byte{8, 0, 0x12, 0x01, 0x00})
	seed(ipc.CmdSecDecrypt, &ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: make([]byte, 256), SessionKeyLen: proto.Uint32(PremasterLen)})
	f.Fuzz(func(t *testing.T, cmd byte, body []byte) {
		var req ipcpb.SecOp
		if err := proto.Unmarshal(body, &req); err != nil {
			return
		}
		rep, err := Handle(keys, ipc.Cmd(cmd), &req)
		if err != nil {
			return
		}
		if !ipc.Cmd(cmd).IsKeyOp() {
			t.Fatalf("%s accepted", ipc.Cmd(cmd))
		}
		if ipc.Cmd(cmd) == ipc.CmdSecDecrypt && (req.GetVhost() != "" || req.GetSessionKeyLen() != PremasterLen || len(rep.GetData()) != PremasterLen) {
			t.Fatalf("decrypt for vhost %q with session_key_len %d answered %d bytes", req.GetVhost(), req.GetSessionKeyLen(), len(rep.GetData()))
		}
		if _, ok := plain.Key(req.GetVhost(), req.GetKeyIdx()); !ok {
			t.Fatalf("unknown key %q/%d accepted", req.GetVhost(), req.GetKeyIdx())
		}
		if len(rep.GetData()) == 0 {
			t.Fatal("success without data")
		}
	})
}
