package main

import (
	"fmt"
	"io"
	"strings"
)

// longOpt is one long option, in the order getopt lists them in its
// "ambiguous" message.
type longOpt struct {
	name   string
	hasArg bool
	short  byte
}

var longOpts = []longOpt{
	{"passwd", true, 'c'},
	{"groupname", true, 'g'},
	{"delete", false, 'd'},
	{"lock", false, 'l'},
	{"unlock", false, 'u'},
	{"help", false, 'h'},
	{"version", false, 'v'},
}

// shortHasArg lists the short options; true = takes an argument.
var shortHasArg = map[byte]bool{
	'c': true, 'g': true, 'd': false, 'l': false, 'u': false, 'h': false, 'v': false,
}

// optEvent is one parsed option: short is the option letter, or 0 for an
// error that getopt already reported (the option is then ignored).
type optEvent struct {
	short byte
	arg   string
}

// getopt parses args (without the program name) like glibc getopt_long with
// argument permutation: options and operands may be mixed, "--" ends the
// options, "-" is an operand, long options may be abbreviated to a unique
// prefix and take "=value" or the next argument. Diagnostics are written to
// stderr prefixed with prog (argv[0] as given), exactly as getopt words
// them; such options come back as events with short == 0. handle is called
// for every option in order and may stop parsing by returning false.
func getopt(prog string, args []string, stderr io.Writer, handle func(optEvent) bool) (operands []string, stopped bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(operands, args[i+1:]...), false
		case strings.HasPrefix(a, "--"):
			ev, used := parseLong(prog, a, args[i+1:], stderr)
			i += used
			if !handle(ev) {
				return operands, true
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				c := a[j]
				takes, known := shortHasArg[c]
				var ev optEvent
				switch {
				case !known:
					fmt.Fprintf(stderr, "%s: invalid option -- '%c'\n", prog, c)
				case !takes:
					ev = optEvent{short: c}
				case j+1 < len(a):
					ev = optEvent{short: c, arg: a[j+1:]}
					j = len(a)
				case i+1 < len(args):
					i++
					ev = optEvent{short: c, arg: args[i]}
				default:
					fmt.Fprintf(stderr, "%s: option requires an argument -- '%c'\n", prog, c)
				}
				if !handle(ev) {
					return operands, true
				}
			}
		default:
			operands = append(operands, a)
		}
	}
	return operands, false
}

// parseLong handles one "--name[=value]" argument; rest are the arguments
// after it. used is how many of rest were consumed as the value.
func parseLong(prog, a string, rest []string, stderr io.Writer) (ev optEvent, used int) {
	body := a[2:]
	name, value, hasValue := strings.Cut(body, "=")
	var match []longOpt
	for _, o := range longOpts {
		if o.name == name {
			match = []longOpt{o}
			break
		}
		if strings.HasPrefix(o.name, name) {
			match = append(match, o)
		}
	}
	switch {
	case len(match) == 0:
		fmt.Fprintf(stderr, "%s: unrecognized option '%s'\n", prog, a)
		return optEvent{}, 0
	case len(match) > 1:
		var b strings.Builder
		fmt.Fprintf(&b, "%s: option '%s' is ambiguous; possibilities:", prog, a)
		for _, o := range match {
			fmt.Fprintf(&b, " '--%s'", o.name)
		}
		b.WriteString("\n")
		io.WriteString(stderr, b.String())
		return optEvent{}, 0
	}
	o := match[0]
	switch {
	case !o.hasArg && hasValue:
		fmt.Fprintf(stderr, "%s: option '--%s' doesn't allow an argument\n", prog, o.name)
		return optEvent{}, 0
	case !o.hasArg:
		return optEvent{short: o.short}, 0
	case hasValue:
		return optEvent{short: o.short, arg: value}, 0
	case len(rest) > 0:
		return optEvent{short: o.short, arg: rest[0]}, 1
	default:
		fmt.Fprintf(stderr, "%s: option '--%s' requires an argument\n", prog, o.name)
		return optEvent{}, 0
	}
}
