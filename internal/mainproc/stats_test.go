package mainproc

import (
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

func TestServerStats(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	type closeEv struct {
		at      time.Duration // after t0
		reason  uint32
		in, out uint64
		mtu     int
		mins    int // session length
	}
	tests := []struct {
		name       string
		resetEvery int
		closes     []closeEv
		want       func(*testing.T, *serverStats)
	}{
		{"counters", 0, []closeEv{
			{time.Minute, reasonIdleTimeout, 5500, 1000, 1400, 4},
			{2 * time.Minute, reasonSessionTimeout, 500, 0, 1300, 2},
			{3 * time.Minute, reasonError, 0, 2999, 1500, 0},
			{4 * time.Minute, reasonUserDisconnect, 0, 0, 1400, 10},
		}, func(t *testing.T, st *serverStats) {
			r := st.status(t0.Add(5 * time.Minute))
			if r.GetSessionIdleTimeouts() != 1 || r.GetSessionTimeouts() != 1 || r.GetSessionErrors() != 1 ||
				r.GetSessionsClosed() != 4 || r.GetTotalSessionsClosed() != 4 || r.GetKbytesIn() != 5 || r.GetKbytesOut() != 3 ||
				r.GetMinMtu() != 1300 || r.GetMaxMtu() != 1400 || r.GetMaxSessionMins() != 10 || r.GetAvgSessionMins() != 4 {
				t.Errorf("%v", r)
			}
		}},
		{"reset", 60, []closeEv{
			{time.Second, reasonIdleTimeout, 5000, 5000, 1400, 1},
			{2 * time.Minute, reasonUserDisconnect, 1000, 1000, 1400, 1},
		}, func(t *testing.T, st *serverStats) {
			r := st.status(t0.Add(3 * time.Minute))
			if r.GetSessionsClosed() != 1 || r.GetTotalSessionsClosed() != 2 || r.GetSessionIdleTimeouts() != 0 ||
				r.GetKbytesIn() != 1 || r.GetLastReset() != uint32(t0.Add(2*time.Minute).Unix()) || r.GetStartTime() != uint32(t0.Unix()) {
				t.Errorf("%v", r)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := newServerStats(t0)
			for _, c := range tt.closes {
				now := t0.Add(c.at)
				st.sessionClosed(now, tt.resetEvery, c.reason, c.in, c.out, c.mtu, now.Add(-time.Duration(c.mins)*time.Minute), nil)
			}
			tt.want(t, st)
		})
	}
}

func TestServerStatsSecmodAndLatency(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	st := newServerStats(t0)
	st.secmodReport(&ipcpb.SecmStats{SecmodClientEntries: proto.Uint32(3), SecmodAuthFailures: proto.Uint64(2), SecmodMaxAuthTime: proto.Uint32(7), SecmodAvgAuthTime: proto.Uint32(1)})
	st.secmodReport(&ipcpb.SecmStats{SecmodClientEntries: proto.Uint32(4), SecmodAuthFailures: proto.Uint64(1), SecmodMaxAuthTime: proto.Uint32(5)})
	st.latency(t0.Add(time.Second), &ipcpb.LatencyStatsDelta{MedianDelta: proto.Uint64(100), SampleCountDelta: proto.Uint64(2)})
	r := st.status(t0.Add(2 * time.Second))
	if r.GetAuthFailures() != 3 || r.GetTotalAuthFailures() != 3 || r.GetSecmodClientEntries() != 4 || r.GetMaxAuthTime() != 5 || r.GetLatencySampleCount() != 0 {
		t.Errorf("%v", r)
	}
	r = st.status(t0.Add(latencyPeriod + time.Second))
	if r.GetLatencyMedianTotal() != 100 || r.GetLatencySampleCount() != 2 {
		t.Errorf("latency not published: %v", r)
	}
	if _, err := proto.Marshal(r); err != nil {
		t.Errorf("status does not encode: %v", err)
	}
}
