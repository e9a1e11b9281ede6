package occtl

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		args []string
		want options
	}{
		{nil, options{socket: "/var/run/occtl.socket", interactive: true}},
		{[]string{"-j", "show", "users"}, options{socket: "/var/run/occtl.socket", json: true, line: "show users "}},
		{[]string{"-json", "-nopager", "x"}, options{socket: "/var/run/occtl.socket", json: true, noPager: true, line: "x "}},
		{[]string{"-j"}, options{socket: "/var/run/occtl.socket", json: true, line: ""}},
		{[]string{"--debug"}, options{socket: "/var/run/occtl.socket", debug: true, interactive: true}},
		{[]string{"-j", "--debug"}, options{socket: "/var/run/occtl.socket", debug: true, interactive: true}},
		{[]string{"-d", "show"}, options{socket: "/var/run/occtl.socket", usage: true}},
		{[]string{"-s", "/x"}, options{socket: "/x", interactive: true}},
		{[]string{"-j", "-s", "/x"}, options{socket: "/x", interactive: true}},
		{[]string{"-s"}, options{socket: "/var/run/occtl.socket", usage: true}},
		{[]string{"--socket-file=/x", "show", "status"}, options{socket: "show", line: "status "}},
		{[]string{"-v", "-x"}, options{socket: "/var/run/occtl.socket", version: true}},
		{[]string{"-", "show"}, options{socket: "/var/run/occtl.socket", usage: true}},
		{[]string{"show", "-j"}, options{socket: "/var/run/occtl.socket", line: "show -j "}},
	}
	for _, tt := range tests {
		if got := parseArgs(tt.args); got != tt.want {
			t.Errorf("parseArgs(%q) = %+v, want %+v", tt.args, got, tt.want)
		}
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		line, name, arg string
		ok              bool
	}{
		{"show users", "show users", "", true},
		{"SHOW   USERS", "show users", "", true},
		{"show user  alice", "show user", "alice", true},
		{"show usersfoo", "show users", "foo", true},
		{"show userx a  b", "show user", "x a b", true},
		{"show sessionsfoo", "show session", "sfoo", true},
		{"show ip ban points", "show ip ban points", "", true},
		{"stop now", "stop", "now", true},
		{"show ipbans", "", "", false},
		{"show", "", "", false},
	}
	for _, tt := range tests {
		c, arg, ok := match(tt.line)
		if ok != tt.ok || c.name != tt.name || arg != tt.arg {
			t.Errorf("match(%q) = %q %q %v, want %q %q %v", tt.line, c.name, arg, ok, tt.name, tt.arg, tt.ok)
		}
	}
}

func TestAtoi(t *testing.T) {
	tests := map[string]int32{"12": 12, " 7x": 7, "-5": -5, "abc": 0, "+3": 3, "99999999999": 1215752191, "": 0}
	for in, want := range tests {
		if got := atoi(in); got != want {
			t.Errorf("atoi(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestFormatHelpers(t *testing.T) {
	ivals := map[int64]string{-1: "   ?   ", 0: "    0s", 60: "   60s", 61: " 1m:01s", 3600: " 1h:00m", 172799: "47h:59m", 172800: " 2days"}
	for in, want := range ivals {
		if got := ival7(in); got != want {
			t.Errorf("ival7(%d) = %q, want %q", in, got, want)
		}
	}
	sizes := map[uint64]string{0: "0 bytes", 1000: "1000 bytes", 1001: "1.0 KB", 999999: "1000.0 KB", 1000000: "1.0 MB", 2500000000: "2.5 GB"}
	for in, want := range sizes {
		if got := bytesHuman(in, ""); got != want {
			t.Errorf("bytesHuman(%d) = %q, want %q", in, got, want)
		}
	}
	lat := map[uint64]string{999: "<1ms", 1000: "1ms", 2500000: "2s"}
	for in, want := range lat {
		if got := latencyHuman(in); got != want {
			t.Errorf("latencyHuman(%d) = %q, want %q", in, got, want)
		}
	}
	if got := jsonEscape(strings.Repeat("a", 600)); got != "(invalid)" {
		t.Errorf("long value: %q", got)
	}
}

func TestEvents(t *testing.T) {
	now := time.Unix(1795953149, 0)
	f := newFixture(now)
	srv := startFake(t, f)
	eve := &ctlpb.UserInfoRep{Id: proto.Int32(21774), Username: proto.String("eve"), Ip: proto.String("10.251.0.2"),
		LocalIp: proto.String("192.168.99.254"), ConnTime: u32(uint32(now.Unix()) - 4), Status: u32(psInactive),
		Dpd: u32(0), Keepalive: u32(0), RestrictToRoutes: proto.Bool(false), SafeId: []byte("abcdef"), Vhost: proto.String("default")}
	srv.events = []*ctlpb.TopUpdateRep{
		{Connected: u32(1), User: &ctlpb.UserListRep{User: []*ctlpb.UserInfoRep{eve}}},
		{Connected: u32(0), DisconReason: u32(3), DisconReasonTxt: proto.String("server disconnected"), User: &ctlpb.UserListRep{User: []*ctlpb.UserInfoRep{eve}}},
	}
	var out, errb bytes.Buffer
	code := run([]string{"-s", srv.path, "show", "events"}, IO{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb}, func(x *exec) {
		x.now, x.loc = now, time.UTC
	})
	// The fake server closes after the last event: occtl reports the
	// broken stream and returns -1.
	if code != 255 || errb.String() != "events: read1: No such file or directory\n" {
		t.Errorf("exit %d, stderr %q", code, errb.String())
	}
	want := "\nPress 'q' or CTRL+C to quit\n\n" +
		"default: connected user 'eve' (21774) from 10.251.0.2 with IP 192.168.99.254\n" +
		"default: disconnect user 'eve' (21774) from 10.251.0.2 with IP 192.168.99.254 (reason: server disconnected, time:     4s)\n"
	if !strings.HasSuffix(out.String(), want) || !strings.HasPrefix(out.String(), "      id     user") {
		t.Errorf("events output:\n%s", out.String())
	}
}

func TestComplete(t *testing.T) {
	c := &cache{users: []string{"alice", "bob"}, ids: []string{"19000"}, ips: []string{"10.0.0.1"}, sessions: []string{"1wzc8i"}}
	tests := []struct {
		line string
		want []string
	}{
		{"sh", []string{"show status", "show users", "show ip bans", "show ip ban points", "show iroutes", "show sessions all", "show sessions valid", "show session", "show user", "show id", "show events", "show cookies all", "show cookies valid"}},
		{"show ip b", []string{"bans", "ban points"}},
		{"disconnect user a", []string{"alice"}},
		{"show id 1", []string{"19000"}},
		{"unban ip ", []string{"10.0.0.1"}},
		{"show session 1", []string{"1wzc8i"}},
		{"show user alice x", nil},
	}
	for _, tt := range tests {
		start := strings.LastIndexAny(tt.line, " \t") + 1
		got := completeWord(c, tt.line, start, tt.line[start:])
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("complete(%q) = %q, want %q", tt.line, got, tt.want)
		}
	}
}
