package mainproc

import (
	"slices"
	"testing"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

func TestRouteCommand(t *testing.T) {
	tests := []struct{ pattern, route, dev, want string }{
		{"echo add %{R} %{RI} %{D} >> log", "10.78.0.0/255.255.0.0", "vpns1", "echo add 10.78.0.0/255.255.0.0 10.78.0.0/16 vpns1 >> log"},
		{"ip route add %R dev %D", "10.1.2.0/255.255.255.0", "tun0", "ip route add 10.1.2.0/255.255.255.0 dev tun0"},
		{"ip route add %{RI} dev %{D}", "fd00:1::/64", "tun0", "ip route add fd00:1::/64 dev tun0"},
		{"100%% %X %{U} %", "1.2.3.4/255.255.255.255", "d", "100%% %X %{U} %"},
		{"%{R}%{R}%D%D", "a", "b", "aabb"},
	}
	for _, tt := range tests {
		if got := routeCommand(tt.pattern, tt.route, tt.dev); got != tt.want {
			t.Errorf("routeCommand(%q, %q, %q) = %q, want %q", tt.pattern, tt.route, tt.dev, got, tt.want)
		}
	}
}

func TestExposeIroutes(t *testing.T) {
	known := []config.Route{{Text: "10.77.0.0/255.255.0.0"}, {Text: "10.78.0.0/255.255.0.0"}}
	tests := []struct {
		name                  string
		known                 []config.Route
		routes, iroutes, want []string
	}{
		{"none known", nil, []string{"10.1.0.0/255.255.0.0"}, nil, []string{"10.1.0.0/255.255.0.0"}},
		{"others' appended", known, []string{"10.1.0.0/255.255.0.0"}, nil,
			[]string{"10.1.0.0/255.255.0.0", "10.77.0.0/255.255.0.0", "10.78.0.0/255.255.0.0"}},
		{"own left out", known, nil, []string{"10.78.0.0/255.255.0.0"}, []string{"10.77.0.0/255.255.0.0"}},
	}
	for _, tt := range tests {
		gc := &ipcpb.GroupConfig{Routes: tt.routes, Iroutes: tt.iroutes}
		exposeIroutes(&config.Vhost{KnownIroutes: tt.known}, gc)
		if !slices.Equal(gc.Routes, tt.want) {
			t.Errorf("%s: routes %q, want %q", tt.name, gc.Routes, tt.want)
		}
	}
}
