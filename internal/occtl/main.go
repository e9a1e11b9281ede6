package occtl

import (
	"io"
	"os"
	"strings"

	"github.com/ocserv-go/ocserv/internal/ctl"
	"github.com/ocserv-go/ocserv/internal/version"
)

// IO is the process's standard streams.
type IO struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// options is the result of occtl's hand-written option loop.
type options struct {
	json, noPager, debug bool
	socket               string
	interactive          bool
	usage, version       bool
	line                 string // the one-shot command: the rest joined, each word + ' '
}

// parseArgs follows occtl: only leading arguments starting with '-' are
// options, recognised by their second (or, after "--", third) character;
// -s takes the next argument whatever it is.
func parseArgs(args []string) options {
	o := options{socket: ctl.DefaultSocket}
	if len(args) == 0 {
		o.interactive = true
		return o
	}
	at := func(a string, i int) byte {
		if i < len(a) {
			return a[i]
		}
		return 0
	}
	is := func(a string, c byte) bool { return at(a, 1) == c || (at(a, 1) == '-' && at(a, 2) == c) }
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		a := args[0]
		switch {
		case is(a, 'j'):
			o.json = true
			args = args[1:]
		case is(a, 'n'):
			o.noPager = true
			args = args[1:]
		case at(a, 1) == '-' && at(a, 2) == 'd':
			o.debug = true
			args = args[1:]
			if len(args) == 0 {
				o.json = false
				o.interactive = true
				return o
			}
		case is(a, 'v'):
			o.version = true
			return o
		case len(args) > 1 && is(a, 's'):
			o.socket = args[1]
			if len(args) == 2 {
				o.json = false
				o.interactive = true
				return o
			}
			args = args[2:]
		default:
			o.usage = true
			return o
		}
	}
	var b strings.Builder
	for _, a := range args {
		b.WriteString(a)
		b.WriteByte(' ')
	}
	o.line = b.String()
	return o
}

// exitPanic carries exit/quit out of a command.
type exitPanic struct{ code int }

// Main runs occtl with the arguments after the program name and returns
// the exit status.
func Main(args []string, std IO) int { return run(args, std, nil) }

// run is Main with a hook to adjust the executor (tests fix the clock and
// the interface counters).
func run(args []string, std IO, adjust func(*exec)) (code int) {
	o := parseArgs(args)
	switch {
	case o.version:
		banner(std.Stderr, version.Compat)
		return 0
	case o.usage:
		usage(std.Stdout)
		return 0
	}
	x := &exec{
		socket: o.socket, json: o.json, debug: o.debug, noPager: o.noPager,
		interactive: o.interactive,
		stdin:       std.Stdin, stdout: std.Stdout, stderr: std.Stderr,
		cache:   &cache{},
		ifStats: linkStats,
		exitFn:  func(c int) { panic(exitPanic{c}) },
	}
	if f, ok := std.Stdout.(*os.File); ok {
		x.stdoutFile = f
	}
	if adjust != nil {
		adjust(x)
	}
	defer func() {
		if r := recover(); r != nil {
			e, ok := r.(exitPanic)
			if !ok {
				panic(r)
			}
			code = e.code
		}
	}()
	if o.interactive {
		return x.interactiveLoop()
	}
	return x.runLine(o.line)
}
