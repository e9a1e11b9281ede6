package mainproc

import (
	"sync"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
	"github.com/ocserv-go/ocserv/internal/logx"
)

// serverStats are the counters occtl's "show status" prints (ocserv's
// main_server_st.stats plus the per-sec-mod figures). Session counters
// change when a session closes; the "current period" ones restart when a
// session closes more than server-stats-reset-time after the last reset,
// as ocserv does. Safe for concurrent use.
type serverStats struct {
	mu sync.Mutex

	start     time.Time
	lastReset time.Time

	sessionTimeouts     uint64
	idleTimeouts        uint64
	sessionErrors       uint64
	sessionsClosed      uint64
	totalSessionsClosed uint64
	kbytesIn, kbytesOut uint64
	minMTU, maxMTU      uint32
	avgSessionMins      uint64
	maxSessionMins      uint64
	authFailures        uint64
	totalAuthFailures   uint64

	// Last CMD_SECM_STATS report of sec-mod.
	secmodEntries uint32
	tlsdbEntries  uint32
	avgAuthTime   uint32
	maxAuthTime   uint32

	// Latency: the deltas reported by workers are folded into current
	// once per latencyPeriod.
	latDelta, latCur latencyTotals
	latSwapped       time.Time
}

type latencyTotals struct{ median, rms, samples uint64 }

// latencyPeriod is how often the latency statistics are published
// (ocserv's LATENCY_AGGREGATION_TIME).
const latencyPeriod = 60 * time.Second

func newServerStats(now time.Time) *serverStats {
	return &serverStats{start: now, lastReset: now, latSwapped: now}
}

// sessionClosed accounts a closed session (ocserv's update_main_stats).
// connTime is when its worker started; resetEvery is
// server-stats-reset-time in seconds (0: never).
func (st *serverStats) sessionClosed(now time.Time, resetEvery int, reason uint32, bytesIn, bytesOut uint64, mtu int, connTime time.Time, log *logx.Logger) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if resetEvery > 0 && now.Sub(st.lastReset) > time.Duration(resetEvery)*time.Second {
		if log != nil {
			log.Infof("resetting stats counters")
		}
		st.resetLocked(now, log)
	}
	switch reason {
	case reasonIdleTimeout:
		st.idleTimeouts++
	case reasonSessionTimeout:
		st.sessionTimeouts++
	case reasonError:
		st.sessionErrors++
	}
	st.sessionsClosed++
	st.totalSessionsClosed++
	kin, kout := bytesIn/1000, bytesOut/1000
	if st.sessionsClosed == 0 || st.kbytesIn+kin < st.kbytesIn || st.kbytesOut+kout < st.kbytesOut {
		if log != nil {
			log.Infof("overflow on updating server statistics, resetting stats")
		}
		st.resetLocked(now, log)
		return
	}
	st.kbytesIn += kin
	st.kbytesOut += kout
	m := uint32(max(mtu, 0))
	if st.minMTU == 0 || m < st.minMTU {
		st.minMTU = m
	}
	// ocserv compares the new MTU with the minimum here; kept as is.
	if st.maxMTU == 0 || m > st.minMTU {
		st.maxMTU = m
	}
	if mins := uint64(now.Sub(connTime) / time.Minute); now.After(connTime) && mins > 0 {
		st.avgSessionMins = ((st.sessionsClosed-1)*st.avgSessionMins + mins) / st.sessionsClosed
		if mins > st.maxSessionMins {
			st.maxSessionMins = mins
		}
	}
}

// resetLocked logs the statistics block and restarts the current period.
func (st *serverStats) resetLocked(now time.Time, log *logx.Logger) {
	if log != nil {
		log.Infof("Start statistics block")
		log.Infof("Total sessions handled: %d", st.totalSessionsClosed)
		log.Infof("Sessions handled: %d", st.sessionsClosed)
		log.Infof("Maximum session time: %d min", st.maxSessionMins)
		log.Infof("Average session time: %d min", st.avgSessionMins)
		log.Infof("Closed due to timeout sessions: %d", st.sessionTimeouts)
		log.Infof("Closed due to timeout (idle) sessions: %d", st.idleTimeouts)
		log.Infof("Closed due to error sessions: %d", st.sessionErrors)
		log.Infof("Total authentication failures: %d", st.totalAuthFailures)
		log.Infof("Authentication failures: %d", st.authFailures)
		log.Infof("Maximum authentication time: %d sec", st.maxAuthTime)
		log.Infof("Average authentication time: %d sec", st.avgAuthTime)
		log.Infof("Data in: %d, out: %d kbytes", st.kbytesIn, st.kbytesOut)
		log.Infof("End of statistics block; resetting non-total stats")
	}
	st.maxAuthTime, st.avgAuthTime = 0, 0
	st.idleTimeouts, st.sessionTimeouts, st.sessionErrors = 0, 0, 0
	st.sessionsClosed, st.authFailures = 0, 0
	st.lastReset = now
	st.kbytesIn, st.kbytesOut = 0, 0
	st.maxSessionMins = 0
}

// secmodReport applies a CMD_SECM_STATS message.
func (st *serverStats) secmodReport(m *ipcpb.SecmStats) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.secmodEntries = m.GetSecmodClientEntries()
	st.tlsdbEntries = m.GetSecmodTlsdbEntries()
	st.maxAuthTime = m.GetSecmodMaxAuthTime()
	st.avgAuthTime = m.GetSecmodAvgAuthTime()
	f := m.GetSecmodAuthFailures()
	if st.authFailures+f < st.authFailures {
		st.authFailures = 0
		return
	}
	st.authFailures += f
	st.totalAuthFailures += f
}

// latency adds a worker's CMD_LATENCY_STATS_DELTA.
func (st *serverStats) latency(now time.Time, m *ipcpb.LatencyStatsDelta) {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.swapLatencyLocked(now)
	st.latDelta.median += m.GetMedianDelta()
	st.latDelta.rms += m.GetRmsDelta()
	st.latDelta.samples += m.GetSampleCountDelta()
}

func (st *serverStats) swapLatencyLocked(now time.Time) {
	if now.Sub(st.latSwapped) < latencyPeriod {
		return
	}
	st.latCur, st.latDelta = st.latDelta, latencyTotals{}
	st.latSwapped = now
}

// status fills a STATUS reply's counters; the caller adds pid, sec-mod
// pids, active clients and banned IPs.
func (st *serverStats) status(now time.Time) *ctlpb.StatusRep {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.swapLatencyLocked(now)
	return &ctlpb.StatusRep{
		Status:              proto.Bool(true),
		Pid:                 proto.Uint32(0),
		ActiveClients:       proto.Uint32(0),
		StartTime:           proto.Uint32(uint32(st.start.Unix())),
		StoredTlsSessions:   proto.Uint32(st.tlsdbEntries),
		BannedIps:           proto.Uint32(0),
		SecmodClientEntries: proto.Uint32(st.secmodEntries),
		SessionTimeouts:     proto.Uint64(st.sessionTimeouts),
		SessionIdleTimeouts: proto.Uint64(st.idleTimeouts),
		SessionErrors:       proto.Uint64(st.sessionErrors),
		SessionsClosed:      proto.Uint64(st.sessionsClosed),
		KbytesIn:            proto.Uint64(st.kbytesIn),
		KbytesOut:           proto.Uint64(st.kbytesOut),
		MinMtu:              proto.Uint32(st.minMTU),
		MaxMtu:              proto.Uint32(st.maxMTU),
		LastReset:           proto.Uint32(uint32(st.lastReset.Unix())),
		AvgAuthTime:         proto.Uint32(st.avgAuthTime),
		AvgSessionMins:      proto.Uint32(uint32(st.avgSessionMins)),
		MaxAuthTime:         proto.Uint32(st.maxAuthTime),
		MaxSessionMins:      proto.Uint32(uint32(st.maxSessionMins)),
		AuthFailures:        proto.Uint64(st.authFailures),
		TotalSessionsClosed: proto.Uint64(st.totalSessionsClosed),
		TotalAuthFailures:   proto.Uint64(st.totalAuthFailures),
		LatencyMedianTotal:  proto.Uint64(st.latCur.median),
		LatencyRmsTotal:     proto.Uint64(st.latCur.rms),
		LatencySampleCount:  proto.Uint64(st.latCur.samples),
	}
}

// sessionEnded accounts a closed session in the statistics and tells the
// TOP listener (ocserv's update_main_stats and user_disconnected).
func (s *server) sessionEnded(p *proc, reason uint32, bytesIn, bytesOut uint64) {
	s.mu.Lock()
	mtu, connTime, connected := p.mtu, p.connTime, p.connected
	resetEvery := 0
	if s.cfg != nil {
		resetEvery = s.cfg.ServerStatsResetTime
	}
	s.mu.Unlock()
	s.stats.sessionClosed(s.now(), resetEvery, reason, bytesIn, bytesOut, mtu, connTime, s.log)
	if connected {
		s.notifyTop(p, false, reason)
	}
}
