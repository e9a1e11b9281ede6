package ipc

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// FuzzDecode feeds arbitrary bytes to the frame parser, the per-command
// body decoder and the start-up message decoder: they must return errors,
// never panic, and a frame that parses must re-encode to the same bytes.
func FuzzDecode(f *testing.F) {
	op, _ := proto.Marshal(&ipcpb.SecOp{KeyIdx: proto.Uint32(0), Data: []byte{1, 2, 3}, Hash: proto.Uint32(5)})
	f.Add(AppendFrame(nil, CmdSecSignHash, op))
	f.Add(AppendFrame(nil, CmdSecmReload, nil))
	f.Add([]byte{byte(CmdTunMTU), 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		cmd, body, n, err := ParseFrame(data, MaxMsgSize)
		if err == nil {
			if n > len(data) || n != HeaderLen+len(body) {
				t.Fatalf("n = %d, body %d, input %d", n, len(body), len(data))
			}
			if re := AppendFrame(nil, cmd, body); string(re) != string(data[:n]) {
				t.Fatalf("re-encoding differs")
			}
			m, derr := Decode(cmd, body)
			if derr == nil && m != nil {
				if _, err := proto.Marshal(m); err != nil {
					t.Fatalf("decoded %s does not re-marshal: %v", cmd, err)
				}
			}
		}
		var st ipcpb.WorkerStartup
		_ = DecodeStartup(string(data), &st)
	})
}
