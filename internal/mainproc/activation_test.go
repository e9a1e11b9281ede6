package mainproc

import (
	"strings"
	"testing"
)

// globalPorts is what an ini reader sees as the global tcp-port/udp-port
// (last value before the first section wins).
func globalPorts(data string) (tcp, udp string) {
	for _, line := range strings.Split(data, "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			break
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		switch strings.TrimSpace(k) {
		case "tcp-port":
			tcp = strings.TrimSpace(v)
		case "udp-port":
			udp = strings.TrimSpace(v)
		}
	}
	return tcp, udp
}

func TestActivatedPorts(t *testing.T) {
	tests := []struct {
		name             string
		file             string
		tcp, udp         int
		wantTCP, wantUDP string
		wantSuffix       string
	}{
		{"no section", "tcp-port = 4443\nudp-port = 4443\n", 443, 443, "443", "443", "udp-port = 443\n"},
		{"udp only", "tcp-port = 4443\n", 0, 9443, "4443", "9443", "udp-port = 9443\n"},
		{"before vhost", "tcp-port = 4443\n[vhost:a.example]\ntcp-port = 1\n", 443, 443, "443", "443", "[vhost:a.example]\ntcp-port = 1\n"},
		{"no final newline", "tcp-port = 4443", 443, 0, "443", "", "tcp-port = 443\n"},
		{"nothing passed", "tcp-port = 4443\n", 0, 0, "4443", "", "tcp-port = 4443\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(activatedPorts([]byte(tc.file), tc.tcp, tc.udp))
			tcp, udp := globalPorts(got)
			if tcp != tc.wantTCP || udp != tc.wantUDP || !strings.HasSuffix(got, tc.wantSuffix) {
				t.Errorf("global tcp-port %q udp-port %q, want %q %q, suffix %q:\n%s", tcp, udp, tc.wantTCP, tc.wantUDP, tc.wantSuffix, got)
			}
		})
	}
}
