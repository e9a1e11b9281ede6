package worker

import (
	"errors"
	"os"
	"slices"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/authtype"
	"github.com/ocserv-go/ocserv/internal/authxml"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/httpwire"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// Auth states (protocol.md §3.1).
type authPhase int

const (
	authInactive authPhase = iota // nothing sent to sec-mod yet
	authReq                       // SEC_AUTH_INIT sent, sec-mod wants input
	authCookie                    // sec-mod said OK: the client has its cookie
)

// authState is the login progress of this connection.
type authState struct {
	phase    authPhase
	sid      [httpwire.SIDLen]byte
	hasSID   bool
	group    string
	username string
	prompt   string
	counter  int
	cert     certInfo // client certificate verdict (certauth.go)
	// sel is the selected alternative once switchAuthToNext moved it
	// (selSet); disabled marks the alternatives it left.
	sel      int
	selSet   bool
	disabled []bool
}

// selectGroups converts the vhost's select-group entries.
func (w *worker) selectGroups() []authxml.SelectGroup {
	if gs, ok := w.autoSelectGroups(); ok {
		return gs
	}
	var gs []authxml.SelectGroup
	for _, g := range w.vhost.SelectGroups {
		gs = append(gs, authxml.SelectGroup{Name: g.Name, Friendly: g.Label})
	}
	return gs
}

// selectedAuth is ocserv's ws->selected_auth: the primary alternative, or,
// when the client certificate was verified, the first alternative that
// includes certificate (enable-auth OR-composition); switchAuthToNext
// moves it on.
func (w *worker) selectedAuth() config.AuthMethod {
	return w.vhost.Auth[w.selectedIndex()]
}

// selectedIndex is the index of selectedAuth in w.vhost.Auth (which is
// not empty).
func (w *worker) selectedIndex() int {
	if w.auth.selSet {
		return w.auth.sel
	}
	if w.auth.cert.ok {
		for i, a := range w.vhost.Auth {
			if a.Has(config.MethodCertificate) {
				return i
			}
		}
	}
	return 0
}

// switchAuthToNext is ws_switch_auth_to_next: the selected alternative is
// disabled for this connection and the first other one still enabled is
// selected. It reports false when none is left.
func (w *worker) switchAuthToNext() bool {
	cur := w.selectedIndex()
	if len(w.auth.disabled) != len(w.vhost.Auth) {
		w.auth.disabled = make([]bool, len(w.vhost.Auth))
	}
	w.auth.disabled[cur] = true
	for i := range w.vhost.Auth {
		if i != cur && !w.auth.disabled[i] {
			w.auth.sel, w.auth.selSet = i, true
			return true
		}
	}
	return false
}

// certGroups are the certificate's groups when the selected method uses
// the certificate.
func (w *worker) certGroups() []string {
	if len(w.vhost.Auth) == 0 || !w.auth.cert.ok || !w.selectedAuth().Has(config.MethodCertificate) {
		return nil
	}
	return w.auth.cert.groups
}

// passwordAuth reports whether the selected method takes a username and
// password.
func (w *worker) passwordAuth() bool {
	if len(w.vhost.Auth) == 0 {
		return true
	}
	for _, m := range w.selectedAuth().Methods {
		if m.IsPassword() {
			return true
		}
	}
	return false
}

// authType is SecAuthInit.auth_type for the selected method.
func (w *worker) authType() uint32 {
	if len(w.vhost.Auth) == 0 {
		return authtype.Plain
	}
	return authtype.OfAlternative(w.selectedAuth())
}

// certMissing is post_auth_handler's check of an alternative that includes
// certificate when the client presented none (or one that failed): ocserv
// moves on to the next enabled alternative and sends its form, and fails
// the login ("No certificate") when there is none. It reports false when
// the login may go on to sec-mod; otherwise the answer was sent (err is
// the send's, or errClose).
func (w *worker) certMissing(r *httpwire.Request) (bool, error) {
	if len(w.vhost.Auth) == 0 || w.auth.cert.ok || !w.selectedAuth().Has(config.MethodCertificate) {
		return false, nil
	}
	w.log.Infof("no certificate provided for authentication")
	if !w.switchAuthToNext() {
		return true, w.fail(r, authxml.ReasonNoCert)
	}
	w.auth.phase = authInactive
	w.auth.hasSID = false
	return true, w.usernameForm(r)
}

func (w *worker) usernameForm(r *httpwire.Request) error {
	groups := authxml.GroupOptions(w.auth.group, w.vhost.DefaultSelectGroup, w.certGroups(), w.selectGroups())
	form := authxml.UsernameForm(w.client, w.vhost.PreLoginBanner, w.passwordAuth(), groups)
	return w.send(authxml.FormResponse(r.Minor, nil, w.vhost.CookieTimeout, form))
}

func (w *worker) passwordForm(r *httpwire.Request) error {
	form := authxml.PasswordForm(w.client, w.auth.prompt, w.auth.counter)
	return w.send(authxml.FormResponse(r.Minor, &w.auth.sid, w.vhost.CookieTimeout, form))
}

// takeContext applies a webvpncontext cookie: a login continued on a new
// connection (protocol.md §3.1).
func (w *worker) takeContext(r *httpwire.Request) {
	sc := r.SessionCookies()
	if sc.HasSID && w.auth.phase == authInactive {
		w.auth.sid, w.auth.hasSID = sc.SID, true
		w.auth.phase = authReq
	}
}

// getAuth answers GET /, /auth, /VPN with the form of the current state.
func (w *worker) getAuth(r *httpwire.Request) error {
	w.takeContext(r)
	if w.auth.phase == authReq {
		return w.passwordForm(r)
	}
	return w.usernameForm(r)
}

// fail sends a 401 with reason and ends the connection (ocserv then sends
// a TLS access_denied alert; crypto/tls can only send close_notify).
func (w *worker) fail(r *httpwire.Request, reason string) error {
	if err := w.send(authxml.FailureResponse(r.Minor, reason)); err != nil {
		return err
	}
	w.log.Infof("failed authentication for '%s'", w.auth.username)
	return errClose
}

// postAuth is ocserv's post_auth_handler (protocol.md §3.4).
func (w *worker) postAuth(r *httpwire.Request) error {
	w.takeContext(r)
	f := authxml.ParseAuthRequest(r.Body)
	timeout := time.Duration(w.cfg.AuthTimeout) * time.Second
	if timeout <= 0 {
		timeout = 1800 * time.Second
	}
	var reply ipcpb.SecAuthReply
	switch w.auth.phase {
	case authInactive:
		if f.HasGroup {
			if name, ok := authxml.ResolveGroup(f.Group, w.selectGroups()); ok {
				w.auth.group = name
			} else if f.Group == w.vhost.DefaultSelectGroup {
				w.auth.group = ""
			} else if slices.Contains(w.certGroups(), f.Group) {
				w.auth.group = f.Group
			}
		}
		if w.passwordAuth() {
			if !f.HasUsername || f.Username == "" {
				return w.usernameForm(r)
			}
			// ocserv copies it into a MAX_USERNAME_SIZE buffer: a longer
			// name is cut to 63 bytes and the login carries on.
			w.setUsername(authxml.TruncName(f.Username))
		}
		if done, err := w.certMissing(r); done {
			return err
		}
		req := &ipcpb.SecAuthInit{
			TlsAuthOk:        ptr(w.auth.cert.ok),
			UserName:         ptr(w.auth.username),
			GroupName:        ptr(w.auth.group),
			Ip:               ptr(w.remoteIP),
			OurIp:            ptr(w.st.GetOurIpStr()),
			AuthType:         ptr(w.authType()),
			UserAgent:        ptr(w.userAgent),
			DevicePlatform:   ptr(w.devicePlatform),
			DeviceType:       ptr(w.deviceType),
			Vhost:            ptr(w.vhost.Name),
			SessionStartTime: ptr(w.st.GetSessionStartTime()),
			Hmac:             w.st.GetSecAuthInitHmac(),
		}
		if w.hostname != "" {
			req.Hostname = ptr(w.hostname)
		}
		if w.auth.cert.ok {
			req.CertUserName = ptr(w.auth.cert.user)
			req.CertGroupNames = w.auth.cert.groups
		}
		if err := w.secmodRequest(ipc.CmdSecAuthInit, req, &reply, timeout); err != nil {
			if errors.Is(err, errInterrupted) {
				return err
			}
			w.log.Errorf("error communicating with sec-mod: %v", err)
			return w.fail(r, authxml.ReasonInternal)
		}
	default:
		if !f.HasPassword {
			return w.fail(r, authxml.ReasonNoPassword)
		}
		req := &ipcpb.SecAuthCont{Password: ptr(f.Password), Sid: w.auth.sid[:], Ip: ptr(w.remoteIP)}
		if err := w.secmodRequest(ipc.CmdSecAuthCont, req, &reply, timeout); err != nil {
			if errors.Is(err, errInterrupted) {
				return err
			}
			w.log.Errorf("error communicating with sec-mod: %v", err)
			return w.fail(r, authxml.ReasonInternal)
		}
	}
	return w.authReply(r, &reply)
}

// errInterrupted: auth-timeout or SIGTERM ended the wait for sec-mod.
var errInterrupted = errors.New("worker: authentication interrupted")

// secmodRequest sends one auth step to sec-mod and waits for its reply,
// but no longer than the auth clock runs: auth-timeout or main's SIGTERM
// ends the wait at once (the abandoned request ends with the process).
func (w *worker) secmodRequest(cmd ipc.Cmd, req proto.Message, reply *ipcpb.SecAuthReply, timeout time.Duration) error {
	var done <-chan struct{}
	if w.clock != nil {
		done = w.clock.done
	}
	var got ipcpb.SecAuthReply
	errc := make(chan error, 1)
	go func() {
		errc <- ipc.Request(w.st.GetSecmodPath(), cmd, req, ipc.CmdSecAuthReply, &got, timeout)
	}()
	select {
	case err := <-errc:
		if err == nil {
			proto.Merge(reply, &got)
		}
		return err
	case <-done:
		return errInterrupted
	}
}

// authReply turns sec-mod's answer into the next document.
func (w *worker) authReply(r *httpwire.Request, reply *ipcpb.SecAuthReply) error {
	if s := reply.GetSid(); len(s) == httpwire.SIDLen {
		copy(w.auth.sid[:], s)
		w.auth.hasSID = true
	}
	switch reply.GetReply() {
	case ipcpb.AuthRep_AUTH_MSG:
		if !w.auth.hasSID {
			return w.fail(r, authxml.ReasonInternal)
		}
		w.auth.phase = authReq
		w.auth.prompt = reply.GetMsg()
		w.auth.counter = int(reply.GetPasswdCounter())
		return w.passwordForm(r)
	case ipcpb.AuthRep_AUTH_OK:
		if !w.auth.hasSID {
			return w.fail(r, authxml.ReasonInternal)
		}
		if u := reply.GetUserName(); u != "" {
			w.setUsername(u)
		}
		w.auth.phase = authCookie
		vt := w.keys.current(w.vhost)
		doc := authxml.Success{V3: w.client == authxml.ClientOpenConnectV3, Banner: w.vhost.Banner}
		if w.vhost.UserProfile != "" {
			doc.Profile = &authxml.Profile{File: w.vhost.UserProfile, SHA1Hex: upper(w.vhost.UserProfileSHA1)}
		}
		w.log.Infof("user '%s' obtained cookie", w.auth.username)
		return w.send(authxml.SuccessResponse(authxml.SuccessParams{
			Minor: r.Minor, SID: w.auth.sid, Cookie: w.auth.sid, CertSHA1: vt.leafSHA1, Doc: doc}))
	default:
		return w.fail(r, authxml.ReasonAuthFailed)
	}
}

// getProfile serves the user-profile XML to a client holding a session
// cookie (protocol.md §2.2).
func (w *worker) getProfile(r *httpwire.Request) error {
	if !r.SessionCookies().HasCookie {
		return w.serviceUnavailable("")
	}
	if w.vhost.UserProfile == "" {
		return w.notFound(r)
	}
	data, err := os.ReadFile(w.vhost.UserProfile)
	if err != nil {
		w.log.Errorf("cannot read user-profile %s: %v", w.vhost.UserProfile, err)
		return w.notFound(r)
	}
	return w.send(ok200(r.Minor, "text/xml", data))
}

func ptr[T any](v T) *T { return &v }

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}
