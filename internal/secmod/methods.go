package secmod

import (
	"fmt"
	"strings"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/auth/pam"
	"github.com/ocserv-go/ocserv/internal/auth/plain"
	"github.com/ocserv-go/ocserv/internal/auth/radius"
	"github.com/ocserv-go/ocserv/internal/authtype"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// method is one enabled authentication alternative of a vhost
// (perm_cfg_st.auth[i]): the AuthType bits it covers and its module (nil for
// certificate-only, which needs no module).
type method struct {
	name   string
	typ    uint32
	module auth.Module
}

// newModule creates the module of a configured method (plain, pam, radius); other
// methods are reported and left without a module (their logins fail).
func newModule(m *config.Method, pamLim *pam.Limits, log *logx.Logger) (auth.Module, error) {
	switch m.Name {
	case config.MethodPlain:
		return plain.New(m.Plain, log.Noticef)
	case config.MethodPAM:
		return pam.New(m.PAM, pamLim, log.Noticef)
	case config.MethodRadius:
		r, err := radius.New(m.Radius, log.Noticef)
		if err != nil {
			return nil, err
		}
		return r, nil
	}
	return nil, fmt.Errorf("authentication method %s is not supported by ocserv-go", m.Name)
}

// buildMethods prepares the auth alternatives of every vhost
// (sec_auth_init / vhost_init). As in ocserv, whose sec-mod exits when a
// module's vhost_init fails ("radius initialization error"), a module
// that cannot start is an error that ends sec-mod's start-up: never a
// method silently missing. Every PAM module shares one bound on concurrent
// PAM transactions (pam.LimitsFor: max-clients, at most
// pam.HardMaxConcurrent, conversations ended at auth-timeout).
func buildMethods(cfg *config.Config, log *logx.Logger) (map[string][]method, error) {
	out := make(map[string][]method, len(cfg.Vhosts))
	pamLim := pam.LimitsFor(cfg)
	for _, v := range cfg.Vhosts {
		ms := make([]method, 0, len(v.Auth))
		for _, a := range v.Auth {
			m, err := buildMethod(a, pamLim, log)
			if err != nil {
				return nil, fmt.Errorf("vhost %s: authentication method %s: %w", v.Name, a.Name, err)
			}
			ms = append(ms, m)
		}
		out[v.Name] = ms
	}
	return out, nil
}

// buildMethod prepares one enable-auth alternative: its AuthType bits and
// its module (none for certificate alone).
func buildMethod(a config.AuthMethod, pamLim *pam.Limits, log *logx.Logger) (method, error) {
	m := method{typ: authtype.OfAlternative(a)}
	names := make([]string, 0, len(a.Methods))
	for _, x := range a.Methods {
		names = append(names, x.Name)
	}
	m.name = strings.Join(names, "+")
	mod := a.Module()
	if mod == nil {
		if m.typ&auth.TypeUsernamePass != 0 {
			return method{}, fmt.Errorf("no module for %s", m.name)
		}
		return m, nil
	}
	if mod.Name == config.MethodGSSAPI {
		// Not implemented (docs/compat.md): the configuration is
		// accepted, the alternative never matches, and the log says so.
		log.Errorf("authentication method %s is not supported by ocserv-go; its logins fail", m.name)
		m.typ = 0
		return m, nil
	}
	mm, err := newModule(mod, pamLim, log)
	if err != nil {
		return method{}, err
	}
	m.module = mm
	return m, nil
}

// pickMethod is set_module: the first alternative containing every bit the
// worker asked for.
func pickMethod(ms []method, want uint32) (method, bool) {
	if want == 0 {
		return method{}, false
	}
	for _, m := range ms {
		if m.typ != 0 && m.typ&want == want {
			return m, true
		}
	}
	return method{}, false
}
