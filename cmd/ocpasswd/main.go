// Command ocpasswd creates and edits the password file of ocserv's "plain"
// authentication: ocpasswd [-c FILE] [-g GROUPS] [-d | -l | -u] USERNAME.
//
// It is a stand-alone administration tool (no ocserv process); it touches
// only the password file named by -c (default /etc/ocserv/ocpasswd), its
// FILE.tmp lock file, the terminal and stdin. Options, messages and exit
// codes mirror ocserv 1.1.6's src/ocpasswd/ocpasswd.c (see
// docs/ocpasswd.md §2); the file handling lives in internal/passwd.
// Nothing is ever written to stdout.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ocserv-go/ocserv/internal/passwd"
)

const defaultFile = "/etc/ocserv/ocpasswd"

const usageText = `ocpasswd - OpenConnect server password utility
Usage:  ocpasswd [ -<flag> [<val>] | --<name>[{=| }<val>] ]... [username]

   -c, --passwd=file          Password file
   -g, --groupname=str        User's group name
   -d, --delete               Delete user
   -l, --lock                 Lock user
   -u, --unlock               Unlock user
   -v, --version              output version information and exit
   -h, --help                 display extended usage information and exit

Options are specified by doubled hyphens and their name or by a single
hyphen and the flag character.

This program is openconnect password (ocpasswd) utility.  It allows the
generation and handling of a 'plain' password file used by ocserv.

Please send bug reports to:  openconnect-devel@lists.infradead.org
`

// versionText: the first line is parsed by scripts and must stay as is.
const versionText = `ocpasswd - 1.1.6
Part of ocserv-go, a Go reimplementation of the OpenConnect VPN server;
free software under the GNU General Public License, version 2 or later
(GPL-2.0-or-later).
`

func main() {
	os.Exit(run(os.Args, os.Stdin, os.Stderr))
}

// exitError carries an exit code out of the option handler.
type exitError int

// run is the whole program; it returns the exit code.
func run(argv []string, stdin *os.File, stderr io.Writer) int {
	prog := "ocpasswd"
	if len(argv) > 0 {
		prog = argv[0]
	}
	var args []string
	if len(argv) > 1 {
		args = argv[1:]
	}

	var (
		file, groups      string
		haveFile, haveGrp bool
		mode              = passwd.OpSet
		haveMode          bool
		exit              exitError = -1
		usage                       = func() { io.WriteString(stderr, usageText) }
	)
	operands, _ := getopt(prog, args, stderr, func(ev optEvent) bool {
		switch ev.short {
		case 0: // already reported by getopt; ignored
		case 'c':
			if haveFile {
				fmt.Fprintln(stderr, "-c option cannot be specified multiple time")
				exit = 1
				return false
			}
			file, haveFile = ev.arg, true
		case 'g':
			if haveGrp {
				fmt.Fprintln(stderr, "-g option cannot be specified multiple time")
				exit = 1
				return false
			}
			groups, haveGrp = ev.arg, true
		case 'd', 'l', 'u':
			if haveMode {
				usage()
				exit = 1
				return false
			}
			haveMode = true
			mode = map[byte]passwd.Op{'d': passwd.OpDelete, 'l': passwd.OpLock, 'u': passwd.OpUnlock}[ev.short]
		case 'h':
			usage()
			exit = 0
			return false
		case 'v':
			io.WriteString(stderr, versionText)
			exit = 0
			return false
		}
		return true
	})
	if exit >= 0 {
		return int(exit)
	}
	if len(operands) != 1 {
		usage()
		return 1
	}
	username := operands[0]
	if !haveFile {
		file = defaultFile
	}
	if !haveGrp {
		groups = "*"
	}

	edit := passwd.Edit{Op: mode, Username: username, Groups: groups}
	if mode == passwd.OpSet {
		pw, msg := readPassword(stdin)
		if msg != "" {
			fmt.Fprintln(stderr, msg)
			return 1
		}
		h, err := passwd.Hash(pw)
		if err != nil {
			fmt.Fprintln(stderr, "Error in crypt().")
			return 1
		}
		edit.Hash = h
	}
	if err := passwd.Rewrite(file, edit); err != nil {
		fmt.Fprintln(stderr, rewriteMessage(file, err))
		return 1
	}
	return 0
}

// rewriteMessage turns a Rewrite error into ocpasswd's message.
func rewriteMessage(file string, err error) string {
	switch {
	case errors.Is(err, passwd.ErrLocked):
		return fmt.Sprintf("file '%s' is locked.", file)
	case errors.Is(err, passwd.ErrOpenRead):
		return fmt.Sprintf("Cannot open '%s' for reading.", file)
	case errors.Is(err, passwd.ErrOpenWrite):
		return fmt.Sprintf("Cannot open '%s' for writing.", passwd.TempPath(file))
	default:
		return fmt.Sprintf("Cannot write to '%s'.", file)
	}
}
