package mainproc

import (
	"net/netip"
	"time"

	"github.com/ocserv-go/ocserv/internal/ban"
)

// maintenanceEvery is main's maintenance period (ocserv's
// MAIN_MAINTENANCE_TIME, 15 minutes); SIGUSR2 runs it at once.
const maintenanceEvery = 900 * time.Second

// enableBans gives the server its real ban table (internal/ban): the
// parameters follow the current configuration, the local-subnet exemption
// uses the interfaces present now (ocserv reads them once at start-up).
// The occtl control socket reads s.bans (List, BannedCount) and clears
// entries with s.bans.Unban.
func (s *server) enableBans() {
	local, err := ban.LocalPrefixes()
	if err != nil {
		s.log.Errorf("Failed to read local if address list: %v", err)
	}
	s.bans = ban.New(func() ban.Params {
		c := s.config()
		return ban.Params{MaxScore: c.MaxBanScore, ResetTime: c.BanResetTime, MinReauthTime: c.MinReauthTime}
	}, local, s.log)
	s.ban = banTable{s.bans}
}

// banTable adapts *ban.Table to BanChecker.
type banTable struct{ t *ban.Table }

func (b banTable) Check(ip netip.Addr, connPoints int) bool { return b.t.Check(ip, connPoints) }
func (b banTable) AddPoints(ip netip.Addr, points int) bool { return b.t.AddPoints(ip, points) }

// maintenance is ocserv's perform_maintenance as far as main has it:
// expired ban entries are dropped and workers that did not authenticate
// within auth-timeout are terminated (authtimeout.go).
func (s *server) maintenance() {
	s.log.Debugf("performing maintenance")
	if s.bans != nil {
		s.bans.Cleanup()
	}
	s.killAuthTimeout()
}
