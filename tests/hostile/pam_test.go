package hostile

// PAM logins abandoned by their clients (issue 9, "sec-mod can be exhausted
// through PAM"): each pending PAM conversation of ours pinned one OS thread
// of sec-mod for minutes after its client left. Here 50 clients start a
// PAM login (username posted, PAM's password prompt received) and vanish;
// sec-mod's thread count must come back near its start within
// auth-timeout plus a few seconds, and a real user logs in meanwhile.
// Against the real ocserv 1.1.6 first (PAM in coroutines: one thread),
// then ours. Self-contained: every helper carries the "pam" prefix.

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/ocserv-go/ocserv/tests/rig"
)

// pamAbandoned is how many clients start a login and vanish.
const pamAbandoned = 50

// pamAuthTimeout is the servers' auth-timeout (seconds).
const pamAuthTimeout = 10

const pamServiceFile = "/etc/pam.d/ocserv"

const pamStack = `# Installed by the ocserv-go hostile test TestPAMAbandonedLogins; restored when it ends.
auth     required pam_unix.so
account  required pam_unix.so
password required pam_deny.so
session  required pam_permit.so
`

func TestPAMAbandonedLogins(t *testing.T) {
	for _, kind := range pamServers() {
		ok := t.Run(kind, func(t *testing.T) { pamAbandonedRun(t, kind) })
		if !ok && kind == "real" {
			t.Fatal("the reference run with the real ocserv failed")
		}
	}
}

func pamAbandonedRun(t *testing.T, kind string) {
	r := rig.New(t, rig.Options{})
	pamInstallService(t)
	user := "ocgp" + strings.ToLower(r.ID)
	pamAddUser(t, r, user, "Pam-Pass-9")
	cfg := r.NewConfig().Set("auth", `"pam"`).Set("auth-timeout", strconv.Itoa(pamAuthTimeout)).
		Set("max-clients", "200").Set("max-same-clients", "0")
	bin := rig.RealOcserv
	if kind == "ours" {
		bin = rig.BuildOurs(t, "ocserv")
	}
	srv := r.StartServer(cfg, rig.ServerOptions{Binary: bin, Debug: 2})
	sm := pamSecmodPID(t, srv.PID())
	start := pamSettledThreads(t, sm)
	t.Logf("%s: sec-mod pid %d, %d threads at start", kind, sm, start)

	addr := net.JoinHostPort(r.Link(0).ServerAddr.String(), "443")
	var wg sync.WaitGroup
	errs := make(chan error, pamAbandoned)
	sem := make(chan struct{}, 10)
	for i := 0; i < pamAbandoned; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs <- pamAbandonLogin(r.Link(0).NS, addr, user)
		}()
	}
	wg.Wait()
	close(errs)
	prompted := 0
	for err := range errs {
		if err != nil {
			t.Logf("abandoned login: %v", err)
			continue
		}
		prompted++
	}
	if prompted < pamAbandoned*9/10 {
		t.Fatalf("only %d of %d logins reached PAM's password prompt", prompted, pamAbandoned)
	}
	peak := pamThreads(t, sm)
	t.Logf("%s: %d threads right after %d abandoned logins", kind, peak, prompted)

	// A real user logs in while the abandoned conversations may still be
	// pending.
	c := r.Connect(rig.ClientOptions{User: user, Password: "Pam-Pass-9", NoDTLS: true, Timeout: 30 * time.Second})
	if err := c.Ping(r.ServerTunAddr(), 2); err != nil {
		t.Errorf("ping through the tunnel of the real user: %v", err)
	}
	c.Disconnect()

	// Within auth-timeout + a few seconds sec-mod is back near its start.
	limit := start + 4
	var now int
	if !rig.WaitFor(time.Duration(pamAuthTimeout+10)*time.Second, func() bool {
		now = pamThreads(t, sm)
		return now <= limit
	}) {
		t.Errorf("%s: sec-mod has %d threads %d s after the abandoned logins (start %d, peak %d, want <= %d)",
			kind, now, pamAuthTimeout+10, start, peak, limit)
	}
	if !srv.Running() {
		t.Fatalf("%s: the server exited\n%s", kind, srv.Log())
	}
}

// pamServers lists the selected servers (OCSERV_E2E_SERVERS), real first.
func pamServers() []string {
	v := os.Getenv("OCSERV_E2E_SERVERS")
	var out []string
	for _, k := range []string{"real", "ours"} {
		if v == "" || strings.Contains(","+v+",", ","+k+",") {
			out = append(out, k)
		}
	}
	return out
}

// pamInstallService puts a pam_unix stack at /etc/pam.d/ocserv (the
// service both servers use) for the test's duration.
func pamInstallService(t *testing.T) {
	t.Helper()
	old, err := os.ReadFile(pamServiceFile)
	existed := err == nil
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	if err := os.WriteFile(pamServiceFile, []byte(pamStack), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if existed {
			os.WriteFile(pamServiceFile, old, 0o644)
		} else {
			os.Remove(pamServiceFile)
		}
	})
}

// pamAddUser creates a system user with password pw, removed in Cleanup.
func pamAddUser(t *testing.T, r *rig.Rig, name, pw string) {
	t.Helper()
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	run("useradd", "-M", "-U", "-s", "/usr/sbin/nologin", name)
	t.Cleanup(func() {
		exec.Command("userdel", name).Run()
		exec.Command("groupdel", name).Run()
	})
	cmd := exec.Command("chpasswd")
	cmd.Stdin = strings.NewReader(name + ":" + pw + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("chpasswd: %v\n%s", err, out)
	}
}

// pamSecmodPID finds sec-mod: the child of main (of any of its threads)
// that is there before any client connects.
func pamSecmodPID(t *testing.T, mainPID int) int {
	t.Helper()
	var pid int
	if !rig.WaitFor(10*time.Second, func() bool {
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", mainPID))
		for _, p := range tasks {
			b, _ := os.ReadFile(p)
			if f := strings.Fields(string(b)); len(f) > 0 {
				pid, _ = strconv.Atoi(f[0])
				return pid > 0
			}
		}
		return false
	}) {
		t.Fatalf("no sec-mod child of main %d", mainPID)
	}
	return pid
}

// pamSettledThreads waits (at most 15 s) until sec-mod's thread count has
// stayed the same for a second (it may still be starting: a forked child
// before exec has one thread) and returns it.
func pamSettledThreads(t *testing.T, pid int) int {
	t.Helper()
	n, same := pamThreads(t, pid), 0
	for i := 0; i < 75 && same < 5; i++ {
		time.Sleep(200 * time.Millisecond)
		if m := pamThreads(t, pid); m == n {
			same++
		} else {
			n, same = m, 0
		}
	}
	return n
}

// pamThreads reads Threads from /proc/PID/status.
func pamThreads(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatalf("sec-mod (pid %d) is gone: %v", pid, err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Threads:"); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err != nil {
				t.Fatalf("Threads line %q", l)
			}
			return n
		}
	}
	t.Fatalf("no Threads in /proc/%d/status", pid)
	return 0
}

// pamDial connects to addr from inside network namespace ns, on an OS
// thread that is locked and then discarded (the goroutine exits locked).
func pamDial(ns, addr string) (net.Conn, error) {
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		f, err := os.Open(filepath.Join("/var/run/netns", ns))
		if err != nil {
			ch <- res{nil, err}
			return
		}
		defer f.Close()
		if err := unix.Setns(int(f.Fd()), unix.CLONE_NEWNET); err != nil {
			ch <- res{nil, fmt.Errorf("setns %s: %w", ns, err)}
			return
		}
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		ch <- res{c, err}
	}()
	r := <-ch
	return r.c, r.err
}

const pamInitXML = `<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="init"><version who="vpn">v9.12</version><device-id>linux-64</device-id><group-access>https://%s/</group-access></config-auth>`

const pamUserXML = `<?xml version="1.0" encoding="UTF-8"?>
<config-auth client="vpn" type="auth-reply"><version who="vpn">v9.12</version><device-id>linux-64</device-id><auth><username>%s</username></auth></config-auth>`

// pamAbandonLogin starts a login as user over TLS, posts the username,
// checks that the answer is PAM's password prompt, and closes the
// connection without answering it.
func pamAbandonLogin(ns, addr, user string) error {
	raw, err := pamDial(ns, addr)
	if err != nil {
		return err
	}
	c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
	defer c.Close()
	c.SetDeadline(time.Now().Add(30 * time.Second))
	br := bufio.NewReader(c)
	post := func(body string, cookie string) (string, string, error) {
		req, _ := http.NewRequest("POST", "https://"+addr+"/", strings.NewReader(body))
		req.Header.Set("User-Agent", "Open AnyConnect VPN Agent v9.12")
		req.Header.Set("X-Transcend-Version", "1")
		req.Header.Set("X-Aggregate-Auth", "1")
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		if err := req.Write(c); err != nil {
			return "", "", err
		}
		rep, err := http.ReadResponse(br, req)
		if err != nil {
			return "", "", err
		}
		b, err := io.ReadAll(io.LimitReader(rep.Body, 64<<10))
		rep.Body.Close()
		var ck []string
		for _, k := range rep.Cookies() {
			ck = append(ck, k.Name+"="+k.Value)
		}
		return string(b), strings.Join(ck, "; "), err
	}
	body, cookie, err := post(fmt.Sprintf(pamInitXML, addr), "")
	if err != nil {
		return fmt.Errorf("init: %w", err)
	}
	if !strings.Contains(body, `name="username"`) {
		return fmt.Errorf("init: no username form: %.300s", body)
	}
	body, _, err = post(fmt.Sprintf(pamUserXML, user), cookie)
	if err != nil {
		return fmt.Errorf("username: %w", err)
	}
	if !bytes.Contains([]byte(body), []byte(`type="password"`)) {
		return fmt.Errorf("username: no password prompt: %.300s", body)
	}
	return nil // the deferred Close abandons the login
}
