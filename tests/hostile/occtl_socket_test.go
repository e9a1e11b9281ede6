package hostile

// The servers' local sockets, used by a process running as the run-as-user
// (nobody, like every worker):
//
//   - occtl's socket answers nothing to a well-formed request (show
//     status, command 1): it is main's, for root only. (Both servers let
//     the connection itself be made and then close it.)
//   - sec-mod's socket (workers must reach it) answers garbage, a frame
//     announcing a 4 GiB body and a well-formed CMD_SEC_AUTH_CONT for a
//     login another connection started (its SID taken from the
//     webvpncontext cookie) with nothing useful: no AUTH_OK, no cookie.
//     sec-mod stays up (same PID) and the started login still completes on
//     its own connection.

import (
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/tests/rig"
)

var occtlProbeRE = regexp.MustCompile(`(?m)^(connect-failed: .*|connected wrote=\d+ read=(\d+) closed=(\w+) reply=([0-9a-f]*))$`)

// occtlProbe is the result of one asNobody unix socket probe.
type occtlProbe struct {
	Connected bool
	Reply     []byte
	Line      string
}

func occtlRunProbe(t *testing.T, r *rig.Rig, path string, payload []byte) occtlProbe {
	t.Helper()
	out, err := asNobody(t, r, "unixprobe", "OCR_PATH="+path, "OCR_PAYLOAD="+hex.EncodeToString(payload))
	m := occtlProbeRE.FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("probe of %s as nobody: %v: %q", path, err, out)
	}
	p := occtlProbe{Line: m[1], Connected: !strings.HasPrefix(m[1], "connect-failed")}
	if p.Connected {
		p.Reply, _ = hex.DecodeString(m[4])
	}
	return p
}

// occtlSecmodSocket finds sec-mod's listening socket (socket-file, to
// which ocserv appends a suffix).
func occtlSecmodSocket(t *testing.T, r *rig.Rig) string {
	t.Helper()
	ms, _ := filepath.Glob(filepath.Join(r.Dir, "run", "sec-mod.socket*"))
	for _, m := range ms {
		if !strings.HasSuffix(m, ".lock") {
			return m
		}
	}
	t.Fatalf("no sec-mod socket in %s/run", r.Dir)
	return ""
}

// occtlAuthOK reports whether reply holds a CMD_SEC_AUTH_REPLY with
// AUTH_OK or a cookie.
func occtlAuthOK(reply []byte) bool {
	for len(reply) >= ipc.HeaderLen {
		cmd, body, n, err := ipc.ParseFrame(reply, len(reply))
		if err != nil {
			return false
		}
		if cmd == ipc.CmdSecAuthReply {
			var m ipcpb.SecAuthReply
			if proto.Unmarshal(body, &m) == nil && (m.GetReply() == ipcpb.AuthRep_AUTH_OK || len(m.GetSid()) > 0 && m.GetReply() != ipcpb.AuthRep_AUTH_MSG) {
				return true
			}
		}
		reply = reply[n:]
	}
	return false
}

func TestHostileLocalSockets(t *testing.T) {
	type outcome struct {
		occtlReply   int
		stolenAuthOK bool
		secmodSame   bool
		replies      map[string]int
	}
	res := compareServers(t, func(t *testing.T, kind serverKind) outcome {
		r := newRig(t, 1)
		srv := startServer(t, r, kind, r.NewConfig())
		o := outcome{replies: map[string]int{}}
		sm := waitProcs(t, r, "ocserv-sm", 1, 10*time.Second)[0].PID

		occ := occtlRunProbe(t, r, srv.Config.Get("occtl-socket-file")[0], ipc.AppendFrame(nil, 1, nil))
		o.occtlReply = len(occ.Reply)
		t.Logf("occtl socket as nobody: %s", occ.Line)

		sock := occtlSecmodSocket(t, r)
		garbage := []byte(strings.Repeat("\xff\x00garbage", 100))
		huge := []byte{byte(ipc.CmdSecAuthInit), 0xff, 0xff, 0xff, 0xff}
		for name, payload := range map[string][]byte{"garbage": garbage, "4GiB-frame": huge} {
			p := occtlRunProbe(t, r, sock, payload)
			o.replies[name] = len(p.Reply)
			t.Logf("sec-mod socket, %s: %s", name, p.Line)
		}

		// alice's login on her own connection, waiting for the password.
		c, err := rawTLS(r, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		sid := occtlStartLogin(t, c)
		body, _ := proto.Marshal(&ipcpb.SecAuthCont{Password: proto.String("secret"), Sid: sid, Ip: proto.String(r.Link(0).ClientAddr.String())})
		p := occtlRunProbe(t, r, sock, ipc.AppendFrame(nil, ipc.CmdSecAuthCont, body))
		o.stolenAuthOK = occtlAuthOK(p.Reply)
		o.replies["stolen-auth-cont"] = len(p.Reply)
		t.Logf("sec-mod socket, AUTH_CONT for alice's SID: %s (AUTH_OK: %v)", p.Line[:min(len(p.Line), 120)], o.stolenAuthOK)

		now := serverProcs(t, r, "ocserv-sm")
		o.secmodSame = len(now) == 1 && now[0].PID == sm
		if !srv.Running() {
			t.Fatalf("the server exited\n%s", tailString(srv.Log(), 20))
		}
		return o
	})
	o, ok := res[ourServer]
	if !ok {
		return
	}
	if o.occtlReply > 0 {
		t.Errorf("ours: occtl's socket answered nobody's show status (%d bytes)", o.occtlReply)
	}
	if o.stolenAuthOK {
		t.Errorf("ours: sec-mod completed another connection's login for a stranger (real ocserv: %v)", res[realServer].stolenAuthOK)
	}
	if o.replies["garbage"] > 0 || o.replies["4GiB-frame"] > 0 {
		t.Errorf("ours: sec-mod answered malformed requests: %v", o.replies)
	}
	if !o.secmodSame {
		t.Errorf("ours: sec-mod did not stay up under the probes")
	}
}

// occtlStartLogin posts alice's username on c and returns the SID of the
// login that now waits for her password.
func occtlStartLogin(t *testing.T, c *rawConn) []byte {
	t.Helper()
	res, err := c.roundTrip("POST", "/", nil, []byte(fmt.Sprintf(authInitXML, c.host)))
	if err != nil {
		t.Fatal(err)
	}
	var hdr []string
	if v := cookieValue(res.Header, "webvpncontext"); v != "" {
		hdr = append(hdr, "Cookie: webvpncontext="+v)
	}
	res, err = c.roundTrip("POST", "/", hdr, []byte(fmt.Sprintf(authReplyXML, "<username>alice</username>")))
	if err != nil {
		t.Fatal(err)
	}
	v := cookieValue(res.Header, "webvpncontext")
	sid, err := occtlB64(v)
	if err != nil || len(sid) == 0 {
		t.Fatalf("no SID after the username (HTTP %d, webvpncontext %q): %v", res.Status, v, err)
	}
	return sid
}

// occtlB64 decodes a webvpncontext cookie value (standard base64, padded
// or not, possibly %-escaped).
func occtlB64(v string) ([]byte, error) {
	v = strings.NewReplacer("%2B", "+", "%2F", "/", "%3D", "=", "%2b", "+", "%2f", "/", "%3d", "=").Replace(v)
	if b, err := base64.StdEncoding.DecodeString(v); err == nil {
		return b, nil
	}
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(v, "="))
}
