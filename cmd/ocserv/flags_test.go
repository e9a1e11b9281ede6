package main

import (
	"bytes"
	"reflect"
	"testing"
)

func TestParseArgs(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		want   options
		stderr string
	}{
		{name: "nothing", args: nil, want: options{}},
		{name: "-d 3", args: []string{"-d", "3"}, want: options{Debug: 3, DebugSet: true}},
		{name: "-d3", args: []string{"-d3"}, want: options{Debug: 3, DebugSet: true}},
		{name: "--debug=3", args: []string{"--debug=3"}, want: options{Debug: 3, DebugSet: true}},
		{name: "--debug 3", args: []string{"--debug", "3"}, want: options{Debug: 3, DebugSet: true}},
		{name: "repeated -d, last wins", args: []string{"-d", "9", "-d2"}, want: options{Debug: 2, DebugSet: true}},
		{name: "-d above 9 accepted", args: []string{"-d", "10000"}, want: options{Debug: 10000, DebugSet: true}},
		{name: "-d garbage is 0 like atoi", args: []string{"-d", "abc"}, want: options{Debug: 0, DebugSet: true}},
		{name: "-d leading digits", args: []string{"-d", "4x"}, want: options{Debug: 4, DebugSet: true}},
		{name: "-c FILE", args: []string{"-c", "/x.conf"}, want: options{ConfigFile: "/x.conf", ConfigSet: true}},
		{name: "-cFILE", args: []string{"-c/x.conf"}, want: options{ConfigFile: "/x.conf", ConfigSet: true}},
		{name: "--config=FILE", args: []string{"--config=/x.conf"}, want: options{ConfigFile: "/x.conf", ConfigSet: true}},
		{name: "--config FILE", args: []string{"--config", "/x.conf"}, want: options{ConfigFile: "/x.conf", ConfigSet: true}},
		{name: "-c empty", args: []string{"-c", ""}, want: options{ConfigFile: "", ConfigSet: true}},
		{name: "argument may start with a dash", args: []string{"-c", "-t"}, want: options{ConfigFile: "-t", ConfigSet: true}},
		{name: "bundled -ft", args: []string{"-ft"}, want: options{Foreground: true, TestConfig: true}},
		{name: "bundled -tc FILE", args: []string{"-tc", "/x"}, want: options{TestConfig: true, ConfigFile: "/x", ConfigSet: true}},
		{name: "bundled -tcFILE", args: []string{"-tc/x"}, want: options{TestConfig: true, ConfigFile: "/x", ConfigSet: true}},
		{name: "all long", args: []string{"--foreground", "--test-config", "--pid-file=/p", "--no-chdir", "--traceable"},
			want: options{Foreground: true, TestConfig: true, PidFile: "/p", NoChdir: true, Traceable: true}},
		{name: "short -p -x", args: []string{"-p", "/p", "-x"}, want: options{PidFile: "/p", Traceable: true}},
		{name: "abbreviated long", args: []string{"--fore", "--co", "/x", "--no", "--te"},
			want: options{Foreground: true, ConfigFile: "/x", ConfigSet: true, NoChdir: true, TestConfig: true}},
		{name: "ambiguous long", args: []string{"--t", "-f"}, want: options{Foreground: true},
			stderr: "ocserv: option '--t' is ambiguous; possibilities: '--test-config' '--traceable'\n"},
		{name: "unknown long ignored", args: []string{"--foo", "-t"}, want: options{TestConfig: true},
			stderr: "ocserv: unrecognized option '--foo'\n"},
		{name: "unknown long with value", args: []string{"--foo=bar"}, want: options{},
			stderr: "ocserv: unrecognized option '--foo=bar'\n"},
		{name: "unknown short ignored", args: []string{"-z", "-t"}, want: options{TestConfig: true},
			stderr: "ocserv: invalid option -- 'z'\n"},
		{name: "unknown short inside a bundle", args: []string{"-fzt"}, want: options{Foreground: true, TestConfig: true},
			stderr: "ocserv: invalid option -- 'z'\n"},
		{name: "missing short argument", args: []string{"-d"}, want: options{},
			stderr: "ocserv: option requires an argument -- 'd'\n"},
		{name: "missing long argument", args: []string{"--pid"}, want: options{},
			stderr: "ocserv: option '--pid-file' requires an argument\n"},
		{name: "long flag given a value", args: []string{"--foreground=yes"}, want: options{},
			stderr: "ocserv: option '--foreground' doesn't allow an argument\n"},
		{name: "operands kept", args: []string{"extra", "-t", "more"}, want: options{TestConfig: true, Args: []string{"extra", "more"}}},
		{name: "lone dash is an operand", args: []string{"-"}, want: options{Args: []string{"-"}}},
		{name: "double dash ends options", args: []string{"-f", "--", "-t"}, want: options{Foreground: true, Args: []string{"-t"}}},
		{name: "help stops parsing", args: []string{"-h", "-z"}, want: options{Action: actHelp}},
		{name: "help after an error", args: []string{"-z", "--help"}, want: options{Action: actHelp},
			stderr: "ocserv: invalid option -- 'z'\n"},
		{name: "help with operands", args: []string{"extra", "-h"}, want: options{Action: actHelp, Args: []string{"extra"}}},
		{name: "-hv is help", args: []string{"-hv"}, want: options{Action: actHelp}},
		{name: "-vh is version", args: []string{"-vh"}, want: options{Action: actVersion}},
		{name: "version after flags", args: []string{"-f", "--version", "extra"}, want: options{Foreground: true, Action: actVersion}},
		{name: "help refuses a value", args: []string{"--help=3"}, want: options{},
			stderr: "ocserv: option '--help' doesn't allow an argument\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			got := parseArgs(append([]string{"ocserv"}, tt.args...), &buf)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseArgs(%q) =\n %+v\nwant\n %+v", tt.args, got, tt.want)
			}
			if buf.String() != tt.stderr {
				t.Errorf("stderr = %q, want %q", buf.String(), tt.stderr)
			}
		})
	}
}

func TestAtoi(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{{"3", 3}, {" 7", 7}, {"-1", -1}, {"+5", 5}, {"12ab", 12}, {"", 0}, {"x1", 0}}
	for _, tt := range tests {
		if got := atoi(tt.in); got != tt.want {
			t.Errorf("atoi(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
	if got := atoi("99999999999999999999"); got <= 0 {
		t.Errorf("atoi of a huge number = %d, want a large positive value", got)
	}
}
