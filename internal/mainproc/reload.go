package mainproc

import (
	"errors"
	"fmt"
	"io"

	"github.com/ocserv-go/ocserv/internal/config"
)

// reload re-reads the configuration on SIGHUP (ocserv's reload_cfg_file):
// options read only at start-up keep their running values, sec-mod is told
// to reload, and new sessions and workers get the new values; running
// sessions keep theirs. A configuration that no longer loads is an error:
// the server exits, as ocserv does.
func (s *server) reload(o Options) error {
	s.log.Infof("reloading configuration")
	var stderr io.Writer
	if o.DebugSet && o.Debug != 0 {
		stderr = o.Stderr
	}
	newCfg, err := config.Load(o.ConfigFile, config.LoadOptions{Stderr: stderr, Reload: true, PidFile: o.PidFile})
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) && ce.Msg != "" {
			return fmt.Errorf("error reloading the configuration: %s", ce.Msg)
		}
		return fmt.Errorf("error reloading the configuration: %w", err)
	}
	for _, w := range newCfg.StartupWarnings() {
		s.log.Noticef("%s", w)
	}
	old := s.config()
	keepStartupOptions(newCfg, old)
	s.mu.Lock()
	file := s.snapshot.file
	s.mu.Unlock()
	snap, err := takeSnapshot(newCfg, file)
	if err != nil {
		return fmt.Errorf("error reloading the configuration: %w", err)
	}
	if err := s.sm.Reload(); err != nil {
		return err
	}
	s.mu.Lock()
	s.cfg = newCfg
	s.snapshot = snap
	s.mu.Unlock()
	if !o.DebugSet && newCfg.LogLevelSet {
		s.log.SetLevel(newCfg.LogLevel)
	}
	return nil
}

// keepStartupOptions copies the options ocserv reads only at start-up
// (architecture.md §12, config.md "S" options) from the running
// configuration into a freshly loaded one.
func keepStartupOptions(n, old *config.Config) {
	n.PidFile = old.PidFile
	n.ListenHost = old.ListenHost
	n.UDPListenHost = old.UDPListenHost
	n.ListenNetns = old.ListenNetns
	n.TCPPort = old.TCPPort
	n.UDPPort = old.UDPPort
	n.RunAsUser, n.RunAsUID = old.RunAsUser, old.RunAsUID
	n.RunAsGroup, n.RunAsGID = old.RunAsGroup, old.RunAsGID
	n.SocketFile = old.SocketFile
	n.OCCTLSocketFile = old.OCCTLSocketFile
	n.ChrootDir = old.ChrootDir
	n.SecModScale = old.SecModScale
	n.ServerStatsResetTime = old.ServerStatsResetTime
	for _, nv := range n.Vhosts {
		ov := old.FindVhost(nv.Name)
		if ov == nil {
			continue
		}
		nv.AuthLines, nv.EnableAuthLines, nv.Auth = ov.AuthLines, ov.EnableAuthLines, ov.Auth
		nv.AcctLine, nv.Acct = ov.AcctLine, ov.Acct
		nv.ServerCerts, nv.ServerKeys = ov.ServerCerts, ov.ServerKeys
		nv.DHParams = ov.DHParams
		nv.PinFile, nv.SRKPinFile = ov.PinFile, ov.SRKPinFile
		nv.KeyPin, nv.SRKPin = ov.KeyPin, ov.SRKPin
		nv.CACert = ov.CACert
		nv.DebugNoSecmodStats = ov.DebugNoSecmodStats
	}
}
