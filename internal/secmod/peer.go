package secmod

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// peer identifies one worker process (from SO_PEERCRED): its pid and its
// start time in clock ticks since boot (field 22 of /proc/PID/stat), so
// that a recycled pid is a different peer. The zero peer is "nobody".
type peer struct {
	pid   int32
	start uint64
}

// peerOf returns the peer with pid as it is now; a process that is already
// gone gets start 0 and is never alive.
func peerOf(pid int32) peer {
	st, err := procStart(pid)
	if err != nil {
		return peer{pid: pid}
	}
	return peer{pid: pid, start: st}
}

// alive reports whether the process p names still exists (same pid, same
// start time; a zombie counts as gone).
func (p peer) alive() bool {
	if p.pid <= 0 || p.start == 0 {
		return false
	}
	st, err := procStart(p.pid)
	return err == nil && st == p.start
}

func (p peer) String() string { return strconv.Itoa(int(p.pid)) }

// procStart reads the start time of pid from /proc; a zombie or a process
// that is gone is an error.
func procStart(pid int32) (uint64, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("pid %d", pid)
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatStart(b)
}

// parseStatStart extracts the start time from the text of /proc/PID/stat.
// The command name (field 2) is in parentheses and may hold anything, so
// fields are counted from the last ')'.
func parseStatStart(b []byte) (uint64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state), so field 22 (starttime) is f[19].
	if len(f) < 20 {
		return 0, fmt.Errorf("short stat")
	}
	if f[0][0] == 'Z' || f[0][0] == 'X' {
		return 0, fmt.Errorf("process exited")
	}
	return strconv.ParseUint(string(f[19]), 10, 64)
}

// procParent reads the parent pid of pid from /proc (field 4 of stat).
func procParent(pid int32) (int32, error) {
	if pid <= 0 {
		return 0, fmt.Errorf("pid %d", pid)
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(int(pid)) + "/stat")
	if err != nil {
		return 0, err
	}
	return parseStatParent(b)
}

// parseStatParent extracts the parent pid from the text of /proc/PID/stat.
func parseStatParent(b []byte) (int32, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat")
	}
	f := bytes.Fields(b[i+1:])
	// f[0] is field 3 (state), f[1] field 4 (ppid).
	if len(f) < 2 {
		return 0, fmt.Errorf("short stat")
	}
	n, err := strconv.ParseInt(string(f[1]), 10, 32)
	if err != nil {
		return 0, fmt.Errorf("ppid: %w", err)
	}
	return int32(n), nil
}
