package e2e

// Issue 6, server side: the REAL occtl (/usr/bin/occtl) against our main
// process's control socket (and, as the reference, against ocserv 1.1.6):
// every command, text and -j output checked against the connected
// clients; disconnect user/id end the session and kill its cookie; reload;
// stop now; root-only socket; garbage on the socket does not disturb main.

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// occtlJSON runs occtl -j and decodes its output leniently: occtl emits
// trailing commas before '}' / ']' (occtl.md §6).
func occtlJSON(t *testing.T, srv *rig.Server, v any, args ...string) {
	t.Helper()
	out, err := srv.Occtl("", append([]string{"-j"}, args...)...)
	if err != nil {
		t.Fatalf("occtl -j %v: %v\n%s", args, err, out)
	}
	fixed := regexp.MustCompile(`,(\s*[}\]])`).ReplaceAllString(out, "$1")
	if err := json.Unmarshal([]byte(fixed), v); err != nil {
		t.Fatalf("occtl -j %v: %v\n%s", args, err, out)
	}
}

func mustOcctl(t *testing.T, srv *rig.Server, args ...string) string {
	t.Helper()
	out, err := srv.Occtl("", args...)
	if err != nil {
		t.Fatalf("occtl %v: %v\n%s", args, err, out)
	}
	return out
}

// eventsWatcher runs `occtl show events` under a pseudo-terminal (script
// -f flushes at once; occtl needs a tty on stdin) and collects its output.
type eventsWatcher struct {
	cmd   *exec.Cmd
	stdin interface{ Close() error }
	mu    sync.Mutex
	buf   bytes.Buffer
}

func (w *eventsWatcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *eventsWatcher) output() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func (w *eventsWatcher) wait(t *testing.T, re string) {
	t.Helper()
	rx := regexp.MustCompile(re)
	if !rig.WaitFor(15*time.Second, func() bool { return rx.MatchString(w.output()) }) {
		t.Errorf("show events: no line matching %q in:\n%s", re, w.output())
	}
}

func startEvents(t *testing.T, r *rig.Rig, srv *rig.Server) *eventsWatcher {
	t.Helper()
	sock := srv.Config.Get("occtl-socket-file")
	w := &eventsWatcher{}
	w.cmd = exec.Command("ip", "netns", "exec", r.ServerNS, "script", "-qfec",
		"occtl -s "+sock[len(sock)-1]+" show events", "/dev/null")
	in, err := w.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.stdin = in
	w.cmd.Stdout, w.cmd.Stderr = w, w
	w.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := w.cmd.Start(); err != nil {
		t.Skipf("cannot run script(1): %v", err)
	}
	t.Cleanup(func() {
		in.Write([]byte("q"))
		in.Close()
		done := make(chan struct{})
		go func() { w.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(3 * time.Second):
			syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	if !rig.WaitFor(10*time.Second, func() bool { return strings.Contains(w.output(), "Press 'q'") }) {
		t.Fatalf("show events did not start:\n%s", w.output())
	}
	return w
}

type occtlUser struct {
	ID         int      `json:"ID"`
	Username   string   `json:"Username"`
	State      string   `json:"State"`
	Vhost      string   `json:"vhost"`
	Device     string   `json:"Device"`
	RemoteIP   string   `json:"Remote IP"`
	LocalDevIP string   `json:"Local Device IP"`
	IPv4       string   `json:"IPv4"`
	PtPIPv4    string   `json:"P-t-P IPv4"`
	DPD        string   `json:"DPD"`
	FullSess   string   `json:"Full session"`
	Session    string   `json:"Session"`
	TLS        string   `json:"TLS ciphersuite"`
	DNS        []string `json:"DNS"`
	Routes     any      `json:"Routes"`
}

type occtlSession struct {
	Session  string `json:"Session"`
	Full     string `json:"Full session"`
	State    string `json:"State"`
	Username string `json:"Username"`
	RemoteIP string `json:"Remote IP"`
}

func TestOcctlServer(t *testing.T) {
	for _, kind := range coreServers() {
		t.Run(string(kind), func(t *testing.T) { occtlServerScenario(t, kind) })
	}
}

func occtlServerScenario(t *testing.T, kind serverKind) {
	r := rig.New(t, rig.Options{Clients: 2})
	r.AddUser("alice", "alice-Pass-1")
	r.AddUser("bob", "bob-Pass-1")
	cfg := r.NewConfig().Set("max-ban-score", "100").Set("dpd", "77").Set("predictable-ips", "false")
	srv := startKind(t, r, kind, cfg)
	sock := cfg.Get("occtl-socket-file")[0]

	// The TCP port (what the rig waits for) may be up before the socket.
	rig.WaitFor(5*time.Second, func() bool { _, err := os.Stat(sock); return err == nil })
	if fi, err := os.Stat(sock); err != nil {
		t.Errorf("occtl socket: %v", err)
	} else if fi.Mode().Perm() != 0o711 {
		t.Errorf("occtl socket mode %v, want 0711", fi.Mode())
	}

	ev := startEvents(t, r, srv)

	// alice logs in with a cookie (so that we can try it again later), bob
	// with a password.
	cookie, res := authCookie(r, 0, "alice", "alice-Pass-1")
	if cookie == "" {
		t.Fatalf("no cookie:\n%s", res.Output)
	}
	alice := connectCookie(r, cookie)
	if err := alice.WaitUp(20 * time.Second); err != nil {
		t.Fatalf("alice: %v\n%s", err, alice.Log())
	}
	bob := r.Connect(rig.ClientOptions{Link: 1, User: "bob", Password: "bob-Pass-1", NoDTLS: true})
	ev.wait(t, `connected user 'alice' \(\d+\) from `+regexp.QuoteMeta(r.Links[0].ClientAddr.String())+` with IP `+regexp.QuoteMeta(alice.IP().String()))
	ev.wait(t, `connected user 'bob'`)

	// show status
	var st map[string]any
	occtlJSON(t, srv, &st, "show", "status")
	if st["Status"] != "online" || st["Active sessions"] != float64(2) || st["Server PID"] != float64(srv.PID()) {
		t.Errorf("show status -j: %v", st)
	}
	if out := mustOcctl(t, srv, "show", "status"); !strings.Contains(out, "Active sessions: 2") || !strings.Contains(out, "Status: online") {
		t.Errorf("show status:\n%s", out)
	}

	// show users
	var users []occtlUser
	occtlJSON(t, srv, &users, "show", "users")
	byName := map[string]occtlUser{}
	for _, u := range users {
		byName[u.Username] = u
	}
	if len(users) != 2 || users[0].Username != "bob" {
		t.Fatalf("show users -j (newest first): %+v", users)
	}
	for name, c := range map[string]*rig.Client{"alice": alice, "bob": bob} {
		u := byName[name]
		link := r.Links[0]
		if name == "bob" {
			link = r.Links[1]
		}
		if u.State != "connected" || u.Vhost != "default" || u.IPv4 != c.IP().String() || u.PtPIPv4 != r.ServerTunAddr().String() ||
			u.RemoteIP != link.ClientAddr.String() || u.LocalDevIP != link.ServerAddr.String() || u.DPD != "77" ||
			len(u.FullSess) != 28 || !strings.HasPrefix(u.FullSess, u.Session) || u.Device == "" || u.TLS == "" || u.ID <= 0 {
			t.Errorf("show users -j, %s: %+v", name, u)
		}
	}
	out := mustOcctl(t, srv, "show", "users")
	if !regexp.MustCompile(`(?m)^\s+\d+\s+alice\s+default\s+` + regexp.QuoteMeta(r.Links[0].ClientAddr.String()) + `\s+` + regexp.QuoteMeta(alice.IP().String())).MatchString(out) {
		t.Errorf("show users:\n%s", out)
	}

	// show user / show id
	var one []occtlUser
	occtlJSON(t, srv, &one, "show", "user", "alice")
	if len(one) != 1 || one[0].ID != byName["alice"].ID {
		t.Errorf("show user alice -j: %+v", one)
	}
	bobID := strconv.Itoa(byName["bob"].ID)
	occtlJSON(t, srv, &one, "show", "id", bobID)
	if len(one) != 1 || one[0].Username != "bob" {
		t.Errorf("show id %s -j: %+v", bobID, one)
	}
	if out := mustOcctl(t, srv, "show", "user", "alice"); !strings.Contains(out, "Username: alice") || !strings.Contains(out, "IPv4: "+alice.IP().String()) {
		t.Errorf("show user alice:\n%s", out)
	}
	if out, err := srv.Occtl("", "show", "user", "nobody-here"); err == nil || !strings.Contains(out, "not found") {
		t.Errorf("show user of an unknown user: %v\n%s", err, out)
	}

	// sessions (cookies)
	var sess []occtlSession
	occtlJSON(t, srv, &sess, "show", "sessions", "all")
	found := false
	for _, s := range sess {
		if s.Full == byName["alice"].FullSess && s.Username == "alice" && s.State == "authenticated" {
			found = true
		}
	}
	if !found {
		t.Errorf("show sessions all -j: alice's session %s missing: %+v", byName["alice"].FullSess, sess)
	}
	occtlJSON(t, srv, &sess, "show", "sessions", "valid")
	if len(sess) < 2 {
		t.Errorf("show sessions valid -j: %+v", sess)
	}
	if out := mustOcctl(t, srv, "show", "session", byName["bob"].Session); !strings.Contains(out, "Username: bob") {
		t.Errorf("show session:\n%s", out)
	}
	mustOcctl(t, srv, "show", "iroutes")
	mustOcctl(t, srv, "-j", "show", "iroutes")

	// ban points: a wrong password from link 1 scores, unban clears it.
	r.ConnectFail(rig.ClientOptions{Link: 1, User: "bob", Password: "wrong", NoDTLS: true})
	var pts []map[string]any
	occtlJSON(t, srv, &pts, "show", "ip", "ban", "points")
	bobAddr := r.Links[1].ClientAddr.String()
	score := func() float64 {
		for _, p := range pts {
			if p["IP"] == bobAddr {
				s, _ := p["Score"].(float64)
				return s
			}
		}
		return -1
	}
	if score() <= 0 {
		t.Errorf("show ip ban points -j: no score for %s: %v", bobAddr, pts)
	}
	mustOcctl(t, srv, "show", "ip", "bans")
	mustOcctl(t, srv, "show", "ip", "ban", "points")
	var bans []map[string]any
	occtlJSON(t, srv, &bans, "show", "ip", "bans")
	if out := mustOcctl(t, srv, "unban", "ip", bobAddr); !strings.Contains(strings.ToLower(out), "unban") {
		t.Errorf("unban ip: %s", out)
	}
	occtlJSON(t, srv, &pts, "show", "ip", "ban", "points")
	if score() != 0 {
		t.Errorf("after unban, score of %s = %v: %v", bobAddr, score(), pts)
	}

	// disconnect id: bob goes away; an event reports it.
	if out := mustOcctl(t, srv, "disconnect", "id", bobID); strings.Contains(out, "not") {
		t.Errorf("disconnect id: %s", out)
	}
	if !bob.WaitExit(15 * time.Second) {
		t.Errorf("bob still connected after disconnect id")
	}
	ev.wait(t, `disconnect user 'bob' \(`+bobID+`\)`)

	// disconnect user: alice goes away and her cookie is dead.
	mustOcctl(t, srv, "disconnect", "user", "alice")
	if !alice.WaitExit(15 * time.Second) {
		t.Errorf("alice still connected after disconnect user")
	}
	waitWorkers(t, r, 0)
	again := connectCookie(r, cookie)
	if err := again.WaitUp(8 * time.Second); err == nil {
		t.Errorf("the cookie of a disconnected user still opens a tunnel")
	}
	again.WaitExit(10 * time.Second)
	occtlJSON(t, srv, &users, "show", "users")
	if len(users) != 0 {
		t.Errorf("users left after disconnects: %+v", users)
	}
	occtlJSON(t, srv, &st, "show", "status")
	if n, _ := st["Total sessions"].(float64); n < 2 {
		t.Errorf("show status after two sessions closed: %v", st)
	}

	// Only root may use the socket.
	out, err := r.ExecTimeout(15*time.Second, r.ServerNS, "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
		"occtl", "-s", sock, "show", "status")
	if err == nil || strings.Contains(out, "Server PID") {
		t.Errorf("occtl as nobody worked: %v\n%s", err, out)
	}

	// Garbage, a huge length and a hang-up mid-message do not disturb main.
	for _, b := range [][]byte{[]byte("GET / HTTP/1.0\r\n\r\n"), {5, 0xff, 0xff, 0xff, 0x7f, 1}, {5, 9, 0, 0, 0, 0x0a}} {
		if c, err := net.Dial("unix", sock); err == nil {
			c.Write(b)
			c.SetReadDeadline(time.Now().Add(3 * time.Second))
			c.Read(make([]byte, 8))
			c.Close()
		}
	}
	if out := mustOcctl(t, srv, "show", "status"); !strings.Contains(out, "Status: online") {
		t.Errorf("status after garbage:\n%s", out)
	}

	// reload behaves as SIGHUP; stop now stops the server cleanly.
	mustOcctl(t, srv, "reload")
	if !srv.WaitLog("reload", 10*time.Second) {
		t.Errorf("no reload in the log")
	}
	if !srv.Running() {
		t.Fatal("server died on reload")
	}
	mustOcctl(t, srv, "stop", "now")
	if !srv.WaitExit(15 * time.Second) {
		t.Fatal("server still running after stop now")
	}
	if code := srv.ExitCode(); code != 0 {
		t.Errorf("exit code after stop now: %d", code)
	}
	if kind == "ours" {
		if _, err := os.Stat(sock); !os.IsNotExist(err) {
			t.Errorf("occtl socket left behind: %v", err)
		}
	}
}
