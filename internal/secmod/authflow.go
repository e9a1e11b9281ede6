package secmod

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/ipc"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// AuthInitHMAC is the HMAC main gives each worker and sec-mod checks on
// SEC_AUTH_INIT: HMAC-SHA256(key, remoteIP ‖ ourIP ‖ start as 8 bytes
// little-endian) (docs/process-contract.md).
func AuthInitHMAC(key []byte, remoteIP, ourIP string, start uint64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(remoteIP))
	m.Write([]byte(ourIP))
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], start)
	m.Write(b[:])
	return m.Sum(nil)
}

func failedReply() *ipcpb.SecAuthReply {
	return &ipcpb.SecAuthReply{Reply: ipcpb.AuthRep_AUTH_FAILED.Enum()}
}

// authInit handles CMD_SEC_AUTH_INIT (handle_sec_auth_init plus the HMAC and
// age checks of sec-mod.c).
func (s *Server) authInit(req *ipcpb.SecAuthInit, from peer) *ipcpb.SecAuthReply {
	now := s.now()
	want := AuthInitHMAC(s.hmacKey, req.GetIp(), req.GetOurIp(), req.GetSessionStartTime())
	if !hmac.Equal(want, req.GetHmac()) {
		s.log.Noticef("hmac presented by client doesn't match parameters provided via IPC")
		return failedReply()
	}
	cfg := s.config()
	start := time.Unix(int64(req.GetSessionStartTime()), 0)
	if cfg.AuthTimeout > 0 && now.After(start.Add(time.Duration(cfg.AuthTimeout)*time.Second)) {
		s.log.Noticef("auth init message too old (from %s)", req.GetIp())
		return failedReply()
	}
	v := cfg.FindVhost(req.GetVhost())

	e, err := s.store.add(now)
	if err != nil {
		s.log.Errorf("cannot create client entry: %v", err)
		return failedReply()
	}
	e.authMu.Lock()
	defer e.authMu.Unlock()

	s.store.mu.Lock()
	s.store.bindLocked(e, from)
	e.remoteIP = req.GetIp()
	e.vhost = v.Name
	e.hostname = auth.Truncate(req.GetHostname(), auth.MaxUsernameSize) // ocserv: a 64-byte buffer
	e.start = now
	e.exptime = expiry(now, cookieLife(v.CookieTimeout))
	s.store.mu.Unlock()

	result := auth.Failed
	m, ok := pickMethod(s.methods[v.Name], req.GetAuthType())
	if !ok {
		s.log.Errorf("no module found for auth type %d", req.GetAuthType())
		return s.authResult(e, result)
	}
	s.log.Infof("using '%s' authentication to authenticate user (session: %s)", m.name, e.psid())
	e.module = m.module
	e.authType = m.typ

	username := auth.Truncate(req.GetUserName(), auth.MaxUsernameSize)
	group := ""
	needContinue := false
	if m.module != nil {
		sess, r, err := m.module.Init(auth.InitInfo{
			Username: username, IP: req.GetIp(), OurIP: req.GetOurIp(), UserAgent: auth.Truncate(req.GetUserAgent(), auth.MaxUsernameSize),
		})
		if err != nil {
			s.log.Errorf("auth init for user '%s': %v", username, err)
		}
		if sess != nil {
			e.sess = sess
		}
		switch {
		case err != nil || r == auth.Failed || sess == nil:
			return s.authResult(e, auth.Failed)
		case r == auth.Continue:
			needContinue = true
		}
		group, err = sess.Group(auth.Truncate(req.GetGroupName(), auth.MaxGroupnameSize))
		if err != nil {
			return s.authResult(e, auth.Failed)
		}
	}

	if m.typ&auth.TypeCertificate != 0 {
		var ok bool
		username, group, ok = s.checkCert(e, v.CertUserOID != "", v.CertGroupOID != "", req, username, group)
		if !ok {
			return s.authResult(e, auth.Failed)
		}
	}

	s.store.mu.Lock()
	e.username = username
	e.groupname = group
	// ocserv keeps these in 64-byte buffers (MAX_AGENT_NAME, MAX_DEVICE_*).
	e.userAgent = auth.Truncate(req.GetUserAgent(), auth.MaxUsernameSize)
	e.ourIP = req.GetOurIp()
	e.devPlatform = auth.Truncate(req.GetDevicePlatform(), auth.MaxUsernameSize)
	e.devType = auth.Truncate(req.GetDeviceType(), auth.MaxUsernameSize)
	e.status = StatusInit
	s.store.mu.Unlock()
	with := ""
	if req.GetTlsAuthOk() {
		with = "(with cert) "
	}
	s.log.Debugf("auth init %sfor user '%s' (session: %s) of group: '%s' from '%s'", with, username, e.psid(), group, req.GetIp())
	if needContinue {
		return s.authResult(e, auth.Continue)
	}
	return s.authResult(e, auth.OK)
}

// checkCert is check_user_group_status plus the certificate group choice of
// handle_sec_auth_init, for alternatives that include "certificate".
func (s *Server) checkCert(e *entry, userOID, groupOID bool, req *ipcpb.SecAuthInit, username, group string) (string, string, bool) {
	certUser := req.GetCertUserName()
	certGroups := req.GetCertGroupNames()
	if !req.GetTlsAuthOk() {
		s.log.Infof("user %s (session: %s) presented no certificate; rejecting", username, e.psid())
		return "", "", false
	}
	s.store.mu.Lock()
	e.tlsAuthOK = true
	s.store.mu.Unlock()
	if group == "" && req.GetGroupName() != "" && groupOID {
		found := false
		for _, g := range certGroups {
			if g == req.GetGroupName() {
				group, found = g, true
				break
			}
		}
		if !found {
			s.log.Noticef("user '%s' requested group '%s' but is not included on his certificate groups", username, req.GetGroupName())
			return "", "", false
		}
	}
	if username == "" && userOID {
		if certUser == "" {
			s.log.Infof("no username in the certificate; rejecting")
			return "", "", false
		}
		username = auth.Truncate(certUser, auth.MaxUsernameSize)
		if len(certGroups) > 0 && groupOID && group == "" {
			group = certGroups[0]
		}
		return username, group, true
	}
	if userOID && certUser != "" && username != certUser {
		s.log.Infof("user '%s' (session: %s) presented a certificate which is for user '%s'; rejecting", username, e.psid(), certUser)
		return "", "", false
	}
	if groupOID {
		found := false
		for _, g := range certGroups {
			if g == group {
				found = true
				break
			}
		}
		if !found {
			s.log.Infof("user '%s' (session: %s) presented a certificate from group '%s' but he isn't a member of it; rejecting", username, e.psid(), group)
			return "", "", false
		}
	}
	return username, group, true
}

// authCont handles CMD_SEC_AUTH_CONT. It returns nil, and the connection
// is closed without an answer, when from may not act on the login
// (owner.go).
func (s *Server) authCont(req *ipcpb.SecAuthCont, from peer) *ipcpb.SecAuthReply {
	if len(req.GetSid()) != SIDSize {
		s.log.Errorf("auth cont but with illegal sid size (%d)!", len(req.GetSid()))
		return failedReply()
	}
	e := s.store.find(req.GetSid())
	if e == nil {
		s.log.Errorf("auth cont but with non-existing sid!")
		return failedReply()
	}
	s.store.mu.Lock()
	status, user := e.status, e.username
	var err error
	if pending(status) {
		err = s.store.claimLocked(e, from, true)
	}
	s.store.mu.Unlock()
	if !pending(status) {
		// A login that is over (e.g. another worker's open session) is
		// neither taken over nor changed: the request earns ban points.
		s.log.Errorf("auth cont received for %s (session: %s) but we are on state %d!", user, e.psid(), status)
		s.noteAuthTime(0, true)
		s.banPoints(e, s.config().BanPointsWrongPass)
		return failedReply()
	}
	if err != nil {
		s.log.Errorf("auth cont from worker %s refused (session: %s): %v", from, e.psid(), err)
		return nil
	}
	e.authMu.Lock()
	defer e.authMu.Unlock()
	s.store.mu.Lock()
	status, user = e.status, e.username
	s.store.mu.Unlock()
	if !pending(status) { // it ended while this request waited
		s.log.Errorf("auth cont received for %s (session: %s) but we are on state %d!", user, e.psid(), status)
		return failedReply()
	}
	s.log.Debugf("auth cont for user '%s' (session: %s)", user, e.psid())
	if req.Password == nil {
		s.log.Errorf("no password given in auth cont for user '%s' (session: %s)", user, e.psid())
		return s.authResult(e, auth.Failed)
	}
	if e.sess == nil {
		s.log.Errorf("no module available!")
		return s.authResult(e, auth.Failed)
	}
	s.store.mu.Lock()
	e.status = StatusCont
	s.store.mu.Unlock()
	r := e.sess.Pass(req.GetPassword())
	if r == auth.Failed {
		s.log.Debugf("error in password given in auth cont for user '%s' (session: %s)", user, e.psid())
	}
	return s.authResult(e, r)
}

// pending reports whether a login in status st still takes passwords.
func pending(st int) bool { return st == StatusInit || st == StatusCont }

// authResult is handle_sec_auth_res: it moves the entry to its next state,
// reports ban points and builds the reply. The caller holds e.authMu.
func (s *Server) authResult(e *entry, r auth.Result) *ipcpb.SecAuthReply {
	cfg := s.config()
	var prompt auth.Prompt
	if (r == auth.Continue || r == auth.OK) && e.sess != nil {
		prompt = e.sess.Prompt()
	}
	now := s.now()
	s.store.mu.Lock()
	status := e.status
	v := cfg.FindVhost(e.vhost)
	e.exptime = expiry(now, cookieLife(v.CookieTimeout))
	s.store.mu.Unlock()

	switch {
	case r == auth.Continue:
		if status != StatusInit && e.module != nil && e.module.AllowsRetries() {
			s.banPoints(e, cfg.BanPointsWrongPass)
		}
		msg := prompt.Msg
		if msg == "" {
			msg = auth.MsgPassword
		}
		rep := &ipcpb.SecAuthReply{
			Reply: ipcpb.AuthRep_AUTH_MSG.Enum(),
			Msg:   proto.String(msg),
			Sid:   append([]byte(nil), e.sid[:]...),
		}
		if prompt.Counter > 0 {
			rep.PasswdCounter = proto.Uint32(prompt.Counter)
		}
		return rep
	case r == auth.OK && status != StatusFailed:
		s.store.mu.Lock()
		e.status = StatusCompleted
		if e.sess != nil {
			if u, ok := e.sess.User(); ok && u != "" {
				e.username = auth.Truncate(u, auth.MaxUsernameSize)
			}
			if g, ok := finalGroup(e); ok {
				e.groupname = g
			}
		}
		user, group := e.username, e.groupname
		s.store.mu.Unlock()
		s.noteAuthTime(now.Sub(e.start), false)
		s.log.Infof("user '%s' (session: %s) authenticated%s", user, e.psid(), groupSuffix(group))
		rep := &ipcpb.SecAuthReply{
			Reply:    ipcpb.AuthRep_AUTH_OK.Enum(),
			UserName: proto.String(user),
			Sid:      append([]byte(nil), e.sid[:]...),
		}
		if prompt.Msg != "" {
			rep.Msg = proto.String(prompt.Msg)
		}
		return rep
	default:
		s.store.mu.Lock()
		e.status = StatusFailed
		user := e.username
		s.store.mu.Unlock()
		s.noteAuthTime(0, true)
		s.banPoints(e, cfg.BanPointsWrongPass)
		s.log.Infof("failed authentication for user '%s' (session: %s)", user, e.psid())
		return failedReply()
	}
}

func groupSuffix(g string) string {
	if g == "" {
		return ""
	}
	return " (group: " + g + ")"
}

// cookieLife is how long a cookie stays valid when not in use.
func cookieLife(cookieTimeout int) time.Duration {
	return time.Duration(cookieTimeout)*time.Second + AuthSlack
}

// banPoints sends CMD_SECM_BAN_IP for e's address (sec_mod_add_score_to_ip);
// nothing is sent when banning is disabled.
func (s *Server) banPoints(e *entry, points int) {
	cfg := s.config()
	if cfg.MaxBanScore == 0 || points <= 0 {
		return
	}
	s.store.mu.Lock()
	ip := e.remoteIP
	s.store.mu.Unlock()
	msg := &ipcpb.BanIp{Ip: proto.String(ip), Score: proto.Uint32(uint32(points)), Sid: append([]byte(nil), e.sid[:]...)}
	if err := s.sendAsync(ipc.CmdSecmBanIP, msg); err != nil {
		s.log.Errorf("error in sending BAN IP message: %v", err)
	}
}

// errNoAsync is returned when the async channel is not connected.
var errNoAsync = errors.New("async channel to main is closed")
