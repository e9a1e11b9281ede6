package pam

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Service is the PAM service name ocserv uses.
const Service = "ocserv"

// Logf receives the messages ocserv sends to syslog.
type Logf func(format string, args ...any)

// systemGroups lists the groups of a group(5) file with gid >= gidMin, in
// file order.
func systemGroups(path string, gidMin int) ([]string, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return ParseGroups(data, gidMin), nil
}

// ParseGroups returns the names of the group(5) lines in data whose gid is
// >= gidMin. Malformed lines are skipped.
func ParseGroups(data []byte, gidMin int) []string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Split(l, ":")
		if len(f) < 3 || f[0] == "" || strings.HasPrefix(f[0], "#") || strings.HasPrefix(f[0], "+") || strings.HasPrefix(f[0], "-") {
			continue
		}
		gid, err := strconv.Atoi(f[2])
		if err != nil || gid < gidMin {
			continue
		}
		out = append(out, f[0])
	}
	return out
}

func readFile(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("pam: %w", err)
	}
	return b, nil
}

// Available reports whether this build can run PAM (it needs cgo).
func Available() bool { return available }
