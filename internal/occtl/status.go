package occtl

import (
	"io"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

// StatusHead is what show status prints before asking the server.
func (r *Renderer) StatusHead(w io.Writer) {
	p := r.printer(w)
	p.startBlock()
	if !r.JSON {
		p.puts("Note: the printed statistics are not real-time; session time\n")
		p.puts("as well as RX and TX data are updated on user disconnect\n")
	}
}

// StatusOffline ends show status when the exchange failed.
func (r *Renderer) StatusOffline(w io.Writer) {
	p := r.printer(w)
	p.value("Status", "offline", false)
	p.endBlock(false)
}

// Status renders a STATUS_REP after StatusHead.
func (r *Renderer) Status(w io.Writer, rep *ctlpb.StatusRep) {
	p := r.printer(w)
	c := r.clock()
	if rep.GetStatus() {
		p.separator()
		if !r.JSON {
			p.puts("General info:\n")
		}
		p.value("Status", "online", true)
		p.num("Server PID", uint64(rep.GetPid()), true)
		var secmod uint32
		if pids := rep.GetSecModPids(); len(pids) > 0 {
			secmod = pids[0]
		}
		p.num("Sec-mod PID", uint64(secmod), true)
		p.num("Sec-mod instance count", uint64(len(rep.GetSecModPids())), true)

		start := int64(rep.GetStartTime())
		p.valueEx("Up since", c.date(start), c.since(start), true)
		if r.JSON {
			p.num("raw_up_since", uint64(start), true)
			p.num("uptime", uint64(c.now.Unix()-start), true)
		}
		p.num("Active sessions", uint64(rep.GetActiveClients()), true)
		p.num("Total sessions", rep.GetTotalSessionsClosed(), true)
		p.num("Total authentication failures", rep.GetTotalAuthFailures(), true)
		p.num("IPs in ban list", uint64(rep.GetBannedIps()), true)
		if r.Debug {
			p.num("Sec-mod client entries", uint64(rep.GetSecmodClientEntries()), true)
			p.num("TLS DB entries", uint64(rep.GetStoredTlsSessions()), true)
		}
		if rep.LatencySampleCount != nil {
			var median, stdev uint32
			if n := rep.GetLatencySampleCount(); n != 0 {
				median = uint32(rep.GetLatencyMedianTotal() / n)
				stdev = uint32(rep.GetLatencyRmsTotal() / n)
			}
			p.value("Median latency", latencyHuman(uint64(median)), true)
			if r.JSON {
				p.num("raw_median_latency", uint64(median), true)
			}
			p.value("STDEV latency", latencyHuman(uint64(stdev)), true)
			if r.JSON {
				p.num("raw_stdev_latency", uint64(stdev), true)
			}
		}

		p.separator()
		if !r.JSON {
			p.puts("Current stats period:\n")
		}
		if reset := int64(rep.GetLastReset()); reset > 0 {
			p.valueEx("Last stats reset", c.date(reset), c.since(reset), true)
			if r.JSON {
				p.num("raw_last_stats_reset", uint64(reset), true)
			}
		}
		p.num("Sessions handled", rep.GetSessionsClosed(), true)
		p.num("Timed out sessions", rep.GetSessionTimeouts(), true)
		p.num("Timed out (idle) sessions", rep.GetSessionIdleTimeouts(), true)
		p.num("Closed due to error sessions", rep.GetSessionErrors(), true)
		p.num("Authentication failures", rep.GetAuthFailures(), true)

		// The C code multiplies the minutes in 32 bits.
		times := []struct {
			name, raw string
			v         uint32
		}{
			{"Average auth time", "raw_avg_auth_time", rep.GetAvgAuthTime()},
			{"Max auth time", "raw_max_auth_time", rep.GetMaxAuthTime()},
			{"Average session time", "raw_avg_session_time", rep.GetAvgSessionMins() * 60},
			{"Max session time", "raw_max_session_time", rep.GetMaxSessionMins() * 60},
		}
		for _, t := range times {
			p.value(t.name, ival7(int64(t.v)), true)
			if r.JSON {
				p.num(t.raw, uint64(t.v), true)
			}
		}
		if v := rep.GetMinMtu(); v > 0 {
			p.num("Min MTU", uint64(v), true)
		}
		if v := rep.GetMaxMtu(); v > 0 {
			p.num("Max MTU", uint64(v), true)
		}
		rx, tx := rep.GetKbytesIn()*1000, rep.GetKbytesOut()*1000
		p.value("RX", bytesHuman(rx, ""), true)
		if r.JSON {
			p.num("raw_rx", rx, true)
		}
		p.value("TX", bytesHuman(tx, ""), true)
		if r.JSON {
			p.num("raw_tx", tx, false)
		}
	}
	p.endBlock(false)
}
