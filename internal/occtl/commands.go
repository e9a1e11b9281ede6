package occtl

import (
	"fmt"
	"io"
	"strings"
)

// visibility of a command in the help lists.
const (
	shownAlways      = 1  // --help and help
	shownInteractive = 0  // help only
	hidden           = -1 // only in the "no argument" help dump
)

// command is one entry of occtl's table. The order matters: the first
// entry whose name is a prefix of the input wins.
type command struct {
	name      string
	arg       string // placeholder shown in help ("[NAME]"), "" for none
	doc       string
	show      int
	needsConn bool
	run       func(x *exec, arg string) int
}

var commands []command

func init() {
	commands = []command{
		{"disconnect user", "[NAME]", "Disconnect the specified user", shownAlways, true, (*exec).disconnectUser},
		{"disconnect id", "[ID]", "Disconnect the specified ID", shownAlways, true, (*exec).disconnectID},
		{"unban ip", "[IP]", "Unban the specified IP", shownAlways, true, (*exec).unbanIP},
		{"reload", "", "Reloads the server configuration", shownAlways, true, (*exec).reload},
		{"show status", "", "Prints the status and statistics of the server", shownAlways, true, (*exec).status},
		{"show users", "", "Prints the connected users", shownAlways, true, (*exec).users},
		{"show ip bans", "", "Prints the banned IP addresses", shownAlways, true, (*exec).bans},
		{"show ip ban points", "", "Prints all the known IP addresses which have points", shownAlways, true, (*exec).banPoints},
		{"show iroutes", "", "Prints the routes provided by users of the server", shownAlways, true, (*exec).iroutes},
		{"show sessions all", "", "Prints all the session IDs", shownAlways, true, (*exec).sessionsAll},
		{"show sessions valid", "", "Prints all the valid for reconnection sessions", shownAlways, true, (*exec).sessionsValid},
		{"show session", "[SID]", "Prints information on the specified session", shownAlways, true, (*exec).session},
		{"show user", "[NAME]", "Prints information on the specified user", shownAlways, true, (*exec).user},
		{"show id", "[ID]", "Prints information on the specified ID", shownAlways, true, (*exec).id},
		{"show events", "", "Provides information about connecting users", shownAlways, true, (*exec).events},
		{"stop", "now", "Terminates the server", shownAlways, true, (*exec).stop},
		{"reset", "", "Resets the screen and terminal", shownInteractive, false, (*exec).reset},
		{"help", "or ?", "Prints this help", shownInteractive, false, (*exec).help},
		{"exit", "", "Exits this application", shownInteractive, false, (*exec).exit},
		{"?", "", "Prints this help", hidden, false, (*exec).help},
		{"quit", "", "Exits this application", hidden, false, (*exec).exit},
		{"show cookies all", "", "Alias for show sessions all", hidden, true, (*exec).sessionsAll},
		{"show cookies valid", "", "Alias for show sessions valid", hidden, true, (*exec).sessionsValid},
	}
}

func isSpace(c byte) bool { return c == ' ' || (c >= '\t' && c <= '\r') }

func helpLine(w io.Writer, c command) {
	if c.arg != "" {
		fmt.Fprintf(w, " %s %s\t%s\n", lpad(c.name, 12), c.arg, lpad(c.doc, 16))
	} else {
		fmt.Fprintf(w, " %s\t%s\n", lpad(c.name, 16), lpad(c.doc, 16))
	}
}

// printCommands is the "Available Commands" list of --help (interactive
// false) and help (true).
func printCommands(w io.Writer, interactive bool) {
	io.WriteString(w, "Available Commands\n")
	for _, c := range commands {
		if c.show == hidden || (c.show == shownInteractive && !interactive) {
			continue
		}
		helpLine(w, c)
	}
}

// usage is occtl --help.
func usage(w io.Writer) {
	io.WriteString(w, "occtl: [OPTIONS...] {COMMAND}\n\n"+
		"  -s --socket-file       Specify the server's occtl socket file\n"+
		"  -h --help              Show this help\n"+
		"     --debug             Enable more verbose information in some commands\n"+
		"  -v --version           Show the program's version\n"+
		"  -j --json              Use JSON formatting for output\n\n")
	printCommands(w, false)
	io.WriteString(w, "\n")
}

// banner is the version banner of -v and of interactive mode.
func banner(w io.Writer, v string) {
	fmt.Fprintf(w, "OpenConnect server control (occtl) version %s\n", v)
	io.WriteString(w, "Copyright (C) 2014-2017 Red Hat and others.\n"+
		"ocserv comes with ABSOLUTELY NO WARRANTY. This is free software,\n"+
		"and you are welcome to redistribute it under the conditions of the\n"+
		"GNU General Public License version 2.\n"+
		"\nFor help type ? or 'help'\n"+
		"==================================================================\n")
}

// helpFor prints the help lines of every command (hidden ones included)
// whose name starts with line (trailing '?' and blanks ignored; compared
// case-insensitively up to the name's length). It reports whether any
// matched; an empty line matches all.
func helpFor(w io.Writer, line string) bool {
	n := len(line)
	for n > 0 && (line[n-1] == '?' || isSpace(line[n-1])) {
		n--
	}
	line = line[:n]
	found := false
	for _, c := range commands {
		l := min(len(line), len(c.name))
		if strings.EqualFold(c.name[:l], line[:l]) {
			found = true
			helpLine(w, c)
		}
	}
	return found
}

// needHelp: the argument is empty or a lone "?".
func needHelp(arg string) bool {
	arg = strings.TrimLeft(arg, " \t\n\v\f\r")
	return arg == "" || arg == "?"
}

// collapse squeezes runs of blanks into the first blank of the run.
func collapse(s string) string {
	var b strings.Builder
	var prev byte
	for i := 0; i < len(s); i++ {
		if !isSpace(prev) || !isSpace(s[i]) {
			b.WriteByte(s[i])
			prev = s[i]
		}
	}
	return b.String()
}

// stripSpace trims blanks at both ends.
func stripSpace(s string) string { return strings.Trim(s, " \t\n\v\f\r") }

// match finds the command for a line (already stripped) and its argument.
func match(line string) (command, string, bool) {
	t := collapse(strings.TrimLeft(line, " \t\n\v\f\r"))
	for _, c := range commands {
		if len(t) >= len(c.name) && strings.EqualFold(c.name, t[:len(c.name)]) {
			return c, strings.TrimLeft(t[len(c.name):], " \t\n\v\f\r"), true
		}
	}
	return command{}, "", false
}

// atoi is C's atoi (strtol base 10, truncated to int).
func atoi(s string) int32 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	var v uint64
	over := false
	for i := 0; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		v = v*10 + uint64(s[i]-'0')
		if v > 1<<63 {
			over = true
			v = 1 << 63
		}
	}
	var l int64
	switch {
	case neg && (over || v >= 1<<63):
		l = -1 << 63
	case neg:
		l = -int64(v)
	case over || v >= 1<<63:
		l = 1<<63 - 1
	default:
		l = int64(v)
	}
	return int32(l)
}
