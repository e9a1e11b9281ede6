package mainproc

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// Per-user iroutes (main process; ocserv's main-user.c apply_iroutes /
// remove_iroutes and main-sec-mod-cmd.c append_routes). Main runs
// route-add-cmd / route-del-cmd through /bin/sh -c, as root, synchronously,
// once per iroute of the session's merged GroupConfig. It touches nothing
// but the commands it runs.

// routeCmdTimeout bounds one route-add-cmd / route-del-cmd run (ocserv
// waits without a limit; a hung command must not hang main forever).
const routeCmdTimeout = 60 * time.Second

// routeCommand substitutes %{R} / %R (the iroute as stored: IPv4 in
// a.b.c.d/m.m.m.m form), %{RI} (CIDR form) and %{D} / %D (tun device) in
// pattern. Other % sequences are left alone.
func routeCommand(pattern, route, dev string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); {
		if pattern[i] == '%' {
			rest := pattern[i:]
			switch {
			case strings.HasPrefix(rest, "%{RI}"):
				b.WriteString(config.RouteCIDR(route))
				i += 5
				continue
			case strings.HasPrefix(rest, "%{R}"):
				b.WriteString(route)
				i += 4
				continue
			case strings.HasPrefix(rest, "%{D}"):
				b.WriteString(dev)
				i += 4
				continue
			case strings.HasPrefix(rest, "%R"):
				b.WriteString(route)
				i += 2
				continue
			case strings.HasPrefix(rest, "%D"):
				b.WriteString(dev)
				i += 2
				continue
			}
		}
		b.WriteByte(pattern[i])
		i++
	}
	return b.String()
}

// runRouteCmd runs one substituted route command. An unset pattern is a
// warning and counts as success, as in ocserv.
func (s *server) runRouteCmd(p *proc, pattern, route, dev string) bool {
	log := p.logger(s.log)
	if pattern == "" {
		log.Noticef("route-add-cmd or route-del-cmd are not set.")
		return true
	}
	cmd := routeCommand(pattern, route, dev)
	log.Debugf("spawning cmd: %s", cmd)
	ctx, cancel := context.WithTimeout(context.Background(), routeCmdTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, "/bin/sh", "-c", cmd)
	c.Stdout, c.Stderr = os.Stderr, os.Stderr
	if err := c.Run(); err != nil {
		log.Infof("cmd: %s: %v", cmd, err)
		return false
	}
	return true
}

// addIroutes runs route-add-cmd for each iroute of p. When one fails the
// ones already added are deleted again and false is returned.
func (s *server) addIroutes(p *proc) bool {
	s.mu.Lock()
	cfg, dev := p.cfg, p.tunName
	var routes []string
	if p.gc != nil {
		routes = p.gc.GetIroutes()
	}
	s.mu.Unlock()
	if len(routes) == 0 || cfg == nil {
		return true
	}
	for i, r := range routes {
		if !s.runRouteCmd(p, cfg.RouteAddCmd, r, dev) {
			for _, done := range routes[:i] {
				s.runRouteCmd(p, cfg.RouteDelCmd, done, dev)
			}
			return false
		}
	}
	s.mu.Lock()
	p.iroutesApplied = true
	s.mu.Unlock()
	return true
}

// removeIroutes runs route-del-cmd for each iroute addIroutes applied.
func (s *server) removeIroutes(p *proc) {
	s.mu.Lock()
	applied, cfg, dev := p.iroutesApplied, p.cfg, p.tunName
	p.iroutesApplied = false
	var routes []string
	if p.gc != nil {
		routes = p.gc.GetIroutes()
	}
	s.mu.Unlock()
	if !applied || cfg == nil {
		return
	}
	for _, r := range routes {
		s.runRouteCmd(p, cfg.RouteDelCmd, r, dev)
	}
}

// exposeIroutes appends the vhost's known iroutes (expose-iroutes: every
// iroute found in config-per-user) that are not the session's own iroutes
// to its routes, as ocserv's append_routes does. As there, a session
// without routes (full tunnel) then gets only these routes.
func exposeIroutes(vh *config.Vhost, gc *ipcpb.GroupConfig) {
	if vh == nil || len(vh.KnownIroutes) == 0 {
		return
	}
	own := gc.GetIroutes()
	for _, k := range vh.KnownIroutes {
		mine := false
		for _, o := range own {
			if o == k.Text {
				mine = true
				break
			}
		}
		if !mine {
			gc.Routes = append(gc.Routes, k.Text)
		}
	}
}
