package main

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// action is what the command line asks for.
type action int

const (
	actRun     action = iota // start the server, or check the config with -t
	actHelp                  // -h seen: print the help and exit 0
	actVersion               // -v seen: print the version and exit 0
)

// options is the parsed command line.
type options struct {
	Foreground bool
	Debug      int
	DebugSet   bool // -d given at least once (ocserv then also logs to stderr)
	ConfigFile string
	ConfigSet  bool // -c given; without it the legacy path is a fallback
	TestConfig bool
	PidFile    string
	NoChdir    bool
	Traceable  bool
	Action     action
	Args       []string // operands (ocserv refuses any)
}

// newFlagSet declares ocserv's options, in the order of its --help.
// It is the single list of names; parseArgs reads them from it.
func newFlagSet(o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("ocserv", pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVarP(&o.Foreground, "foreground", "f", false, "")
	fs.IntVarP(&o.Debug, "debug", "d", 0, "")
	fs.StringVarP(&o.ConfigFile, "config", "c", "", "")
	fs.BoolVarP(&o.TestConfig, "test-config", "t", false, "")
	fs.BoolVar(&o.NoChdir, "no-chdir", false, "")
	fs.StringVarP(&o.PidFile, "pid-file", "p", "", "")
	fs.BoolP("version", "v", false, "")
	fs.BoolVarP(&o.Traceable, "traceable", "x", false, "")
	fs.BoolP("help", "h", false, "")
	return fs
}

// parseArgs parses args (args[0] is the program name) the way ocserv's
// getopt_long loop does: options and operands may be mixed, "--" ends the
// options, long names may be abbreviated to any unique prefix, and a
// mistake prints getopt's message on stderr and is otherwise ignored. -h and
// -v act at once, like in ocserv: what follows them is not looked at.
//
// pflag is used as the table of options and their values; the scanning is
// done here because pflag neither ignores errors nor accepts abbreviations.
func parseArgs(args []string, stderr io.Writer) options {
	var o options
	fs := newFlagSet(&o)
	prog := "ocserv"
	if len(args) > 0 {
		prog, args = args[0], args[1:]
	}

	// apply records one recognised option; it reports an action that ends
	// the parsing.
	apply := func(f *pflag.Flag, val string) action {
		switch f.Name {
		case "help":
			return actHelp
		case "version":
			return actVersion
		case "debug":
			val = strconv.Itoa(atoi(val))
			o.DebugSet = true
		case "config":
			o.ConfigSet = true
		}
		if f.NoOptDefVal != "" {
			val = f.NoOptDefVal
		}
		if err := fs.Set(f.Name, val); err != nil {
			// Cannot happen: every value is made valid above.
			fmt.Fprintf(stderr, "%s: option '--%s': %v\n", prog, f.Name, err)
		}
		return actRun
	}
	takesArg := func(f *pflag.Flag) bool { return f.NoOptDefVal == "" }

	for i := 0; i < len(args); i++ {
		arg := args[i]
		switch {
		case arg == "--":
			o.Args = append(o.Args, args[i+1:]...)
			return o
		case strings.HasPrefix(arg, "--"):
			name, val, hasVal := strings.Cut(arg[2:], "=")
			f, candidates := lookupLong(fs, name)
			switch {
			case len(candidates) > 1:
				fmt.Fprintf(stderr, "%s: option '--%s' is ambiguous; possibilities:", prog, name)
				for _, c := range candidates {
					fmt.Fprintf(stderr, " '--%s'", c)
				}
				fmt.Fprintln(stderr)
				continue
			case f == nil:
				fmt.Fprintf(stderr, "%s: unrecognized option '%s'\n", prog, arg)
				continue
			}
			if takesArg(f) {
				if !hasVal {
					if i+1 >= len(args) {
						fmt.Fprintf(stderr, "%s: option '--%s' requires an argument\n", prog, f.Name)
						continue
					}
					i++
					val = args[i]
				}
			} else if hasVal {
				fmt.Fprintf(stderr, "%s: option '--%s' doesn't allow an argument\n", prog, f.Name)
				continue
			}
			if a := apply(f, val); a != actRun {
				o.Action = a
				return o
			}
		case len(arg) > 1 && arg[0] == '-':
			for j := 1; j < len(arg); j++ {
				c := arg[j]
				f := fs.ShorthandLookup(string(c))
				if f == nil || c == '-' {
					fmt.Fprintf(stderr, "%s: invalid option -- '%c'\n", prog, c)
					continue
				}
				var val string
				if takesArg(f) {
					switch {
					case j+1 < len(arg):
						val = arg[j+1:]
					case i+1 < len(args):
						i++
						val = args[i]
					default:
						fmt.Fprintf(stderr, "%s: option requires an argument -- '%c'\n", prog, c)
						continue
					}
					j = len(arg)
				}
				if a := apply(f, val); a != actRun {
					o.Action = a
					return o
				}
			}
		default:
			o.Args = append(o.Args, arg)
		}
	}
	return o
}

// lookupLong finds a long option by its exact name or by a unique prefix.
// On ambiguity it returns nil and the candidate names.
func lookupLong(fs *pflag.FlagSet, name string) (*pflag.Flag, []string) {
	if name == "" {
		return nil, nil
	}
	if f := fs.Lookup(name); f != nil {
		return f, nil
	}
	var found []*pflag.Flag
	fs.VisitAll(func(f *pflag.Flag) {
		if strings.HasPrefix(f.Name, name) {
			found = append(found, f)
		}
	})
	if len(found) == 1 {
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.Name
	}
	sort.Strings(names)
	return nil, names
}

// atoi converts like C's atoi: leading blanks, an optional sign, digits;
// anything else ends the number, and no digits give 0.
func atoi(s string) int {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			break
		}
		if n < 1<<30 {
			n = n*10 + int(c-'0')
		}
	}
	if neg {
		return -n
	}
	return n
}
