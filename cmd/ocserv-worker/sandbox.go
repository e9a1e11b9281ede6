package main

import (
	"os"

	"github.com/ocserv-go/ocserv/cmd/ocserv-worker/internal/nodump"
	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
	"github.com/ocserv-go/ocserv/internal/sandbox"
)

// seccompLogEnv, when "1" in the server's environment (workers inherit
// it), makes the kernel log every call the worker filter denies
// (SECCOMP_FILTER_FLAG_LOG; see dmesg / the audit log, "type=1326").
const seccompLogEnv = "OCSERV_SECCOMP_LOG"

// confine applies isolate-workers (or the legacy use-seccomp) from the
// configuration snapshot, which it parses (run-as-user and run-as-group
// kept as names: main resolved them through NSS) and returns for
// worker.Run; ok is false
// when the worker must exit. It runs once the descriptors are held,
// before the first client byte is read.
func confine(st *ipcpb.WorkerStartup, log *logx.Logger) (cfg *config.Config, ok bool) {
	var data []byte
	if se := st.GetSnapshotEntries(); len(se) > 0 {
		data = se[0].GetData()
	}
	if data == nil {
		return nil, true // worker.Run reports the missing snapshot
	}
	// run-as-user/group: names only, this static worker has no NSS.
	cfg, err := config.LoadBytes(data, config.LoadOptions{NoAccounts: true})
	if err != nil {
		return nil, true // worker.Run reports the broken snapshot
	}
	if !cfg.IsolateWorkers {
		if nodump.OOMScoreAdj != nil {
			nodump.OOMScoreAdj.Close()
		}
		return cfg, true
	}
	o := sandbox.Options{
		Traceable:   nodump.Traceable(os.Args[1:]),
		Debug:       os.Getenv(seccompLogEnv) == "1",
		OOMScoreAdj: nodump.OOMScoreAdj,
	}
	for _, v := range cfg.Vhosts {
		// user-profile is read per session (as in ocserv); client
		// certificates are checked against ca-cert/crl read at that time.
		if v.UserProfile != "" || (v.CertRequest != "" && v.CertRequest != config.CertIgnore) {
			o.AllowOpen = true
		}
	}
	if err := sandbox.Apply(o); err != nil {
		log.Errorf("worker: isolate-workers: %v", err)
		return nil, false
	}
	log.Debugf("seccomp filter applied (open allowed: %v)", o.AllowOpen)
	return cfg, true
}
