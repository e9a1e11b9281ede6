package occtl

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

// FuzzCommandLine feeds arbitrary argument vectors and interactive lines
// through option parsing, matching, argument checks and help, with no
// server listening: nothing may panic or hang.
func FuzzCommandLine(f *testing.F) {
	for _, s := range []string{"show users", "-j\x00show\x00user\x00alice", "-s\x00/x", "show id abc", "unban ip ::1%eth0", "?", "  SHOW  ", "disconnect id -5", "show session ?", "exit"} {
		f.Add(s)
	}
	sock := "/nonexistent/occtl-fuzz.socket"
	f.Fuzz(func(t *testing.T, in string) {
		args := strings.Split(in, "\x00")
		o := parseArgs(args)
		if o.interactive {
			return
		}
		match(in)
		helpFor(io.Discard, in)
		atoi(in)
		parseIP(in)
		completeWord(&cache{users: []string{"a"}}, in, strings.LastIndexAny(in, " \t")+1, in[strings.LastIndexAny(in, " \t")+1:])
		run(append([]string{"-s", sock}, args...), IO{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard}, nil)
	})
}

// FuzzReplies decodes arbitrary reply bodies as each reply type and renders
// them in text and JSON.
func FuzzReplies(f *testing.F) {
	fx := newFixture(time.Unix(1795953149, 0))
	for _, m := range []proto.Message{fx.status, fx.users, fx.cookies, fx.bans} {
		b, _ := proto.Marshal(m)
		f.Add(b)
	}
	f.Add([]byte{0x0a, 0x08, 0x0a, 0x04, 0x0a, 0xfb, 0x00, 0x02, 0x10, 0x01})
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, json := range []bool{false, true} {
			r := &Renderer{JSON: json, Now: time.Unix(1795953149, 0), Loc: time.UTC, Stderr: io.Discard,
				IfStats: func(string) (uint64, uint64, bool) { return 1, 2, true }}
			var w bytes.Buffer
			var st ctlpb.StatusRep
			if proto.Unmarshal(body, &st) == nil {
				r.StatusHead(&w)
				r.Status(&w, &st)
			}
			var ul ctlpb.UserListRep
			if proto.Unmarshal(body, &ul) == nil {
				r.UserList(&w, &ul)
				r.UserInfo(&w, &ul)
				r.Iroutes(&w, &ul)
			}
			var cl ctlpb.CookieListRep
			if proto.Unmarshal(body, &cl) == nil {
				r.SessionList(&w, &cl, true)
				r.SessionInfo(&w, &cl, "a", false, true)
			}
			var bl ctlpb.BanListRep
			if proto.Unmarshal(body, &bl) == nil {
				r.Bans(&w, &bl, false)
				r.Bans(&w, &bl, true)
			}
			var ev ctlpb.TopUpdateRep
			if proto.Unmarshal(body, &ev) == nil {
				r.Event(&w, &ev)
			}
		}
	})
}
