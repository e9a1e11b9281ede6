package worker

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

func TestStatsIntervalFromGroupConfig(t *testing.T) {
	v := &config.Vhost{}
	v.StatsReportTime = 360
	tests := []struct {
		name string
		gc   *ipcpb.GroupConfig
		want int
	}{
		{"no group config", nil, 360},
		{"unset in group config", &ipcpb.GroupConfig{}, 360},
		{"per-user or RADIUS interval", &ipcpb.GroupConfig{InterimUpdateSecs: proto.Uint32(60)}, 60},
		{"explicit zero turns reports off", &ipcpb.GroupConfig{InterimUpdateSecs: proto.Uint32(0)}, 0},
	}
	for _, tt := range tests {
		if got := statsInterval(tt.gc, v); got != tt.want {
			t.Errorf("%s: %d, want %d", tt.name, got, tt.want)
		}
	}
}
