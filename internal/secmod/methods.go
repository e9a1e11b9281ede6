package secmod

import (
	"fmt"

	"github.com/ocserv-go/ocserv/internal/auth"
	"github.com/ocserv-go/ocserv/internal/auth/pam"
	"github.com/ocserv-go/ocserv/internal/auth/plain"
	"github.com/ocserv-go/ocserv/internal/auth/radius"
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

// methodBits maps a configured method name to its AuthType bits.
func methodBits(name string) uint32 {
	switch name {
	case config.MethodPlain:
		return auth.TypePlain
	case config.MethodPAM:
		return auth.TypePAM
	case config.MethodRadius:
		return auth.TypeRadius
	case config.MethodCertificate:
		return auth.TypeCertificate
	case config.MethodGSSAPI:
		return auth.TypeGSSAPI
	}
	return 0
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
// (sec_auth_init / global_init). Errors are logged; a broken alternative is
// kept with its bits but marked unusable. Every PAM module shares one bound
// on concurrent PAM transactions (pam.LimitsFor: max-clients, at most
// pam.HardMaxConcurrent, conversations ended at auth-timeout).
func buildMethods(cfg *config.Config, log *logx.Logger) map[string][]method {
	out := make(map[string][]method, len(cfg.Vhosts))
	pamLim := pam.LimitsFor(cfg)
	for _, v := range cfg.Vhosts {
		var ms []method
		for _, a := range v.Auth {
			m := method{}
			var names []string
			for _, x := range a.Methods {
				m.typ |= methodBits(x.Name)
				names = append(names, x.Name)
			}
			for i, n := range names {
				if i > 0 {
					m.name += "+"
				}
				m.name += n
			}
			if mod := a.Module(); mod != nil {
				mm, err := newModule(mod, pamLim, log)
				if err != nil {
					log.Errorf("vhost %s: %v", v.Name, err)
					m.typ = 0 // never matches
				} else {
					m.module = mm
				}
			} else if m.typ&auth.TypeUsernamePass != 0 {
				m.typ = 0
			}
			ms = append(ms, m)
		}
		out[v.Name] = ms
	}
	return out
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
