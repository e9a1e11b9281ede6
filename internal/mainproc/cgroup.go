package mainproc

import (
	"fmt"
	"os"
	"strings"
)

// cgroup (config.md `cgroup`, architecture.md §2): main moves a worker
// into the configured cgroup the way ocserv 1.1.6 does — the value is
// "controller[,controller]:path" and, for each controller in turn, the pid
// is written to /sys/fs/cgroup/CONTROLLER/PATH/tasks. That is the cgroup
// v1 layout; there is no cgroup v2 support in ocserv 1.1.6 (a v2-only
// host has no "tasks" file there, so the open fails and is logged). The
// global (default vhost) value is applied when the worker is started, the
// per-user/group value (GroupConfig.cgroup, which sec-mod fills with the
// vhost's value unless overridden) again when the session opens.
//
// Like ocserv: the value is cut to 127 bytes, empty controller names are
// skipped, a value without ':' logs "error parsing cgroup name", and the
// first controller whose file cannot be opened logs "cannot open: FILE"
// and stops the loop. Failures never end the session.

// cgroupRoot is /sys/fs/cgroup; a variable for the unit test.
var cgroupRoot = "/sys/fs/cgroup"

// cgroupFiles returns the tasks files a cgroup value names, or ok=false
// when it has no ':'.
func cgroupFiles(value string) (files []string, ok bool) {
	if len(value) > 127 {
		value = value[:127]
	}
	ctrls, name, found := strings.Cut(value, ":")
	if !found {
		return nil, false
	}
	for _, c := range strings.Split(ctrls, ",") {
		if c == "" {
			continue
		}
		f := fmt.Sprintf("%s/%s/%s/tasks", cgroupRoot, c, name)
		if len(f) > 255 { // _POSIX_PATH_MAX snprintf buffer
			f = f[:255]
		}
		files = append(files, f)
	}
	return files, true
}

// putIntoCgroup writes pid into the cgroup value's tasks files.
func (s *server) putIntoCgroup(value string, pid int) {
	if value == "" || pid <= 0 {
		return
	}
	files, ok := cgroupFiles(value)
	if !ok {
		s.log.Errorf("error parsing cgroup name: %s", trunc127(value))
		return
	}
	ctrls, name, _ := strings.Cut(trunc127(value), ":")
	i := 0
	for _, c := range strings.Split(ctrls, ",") {
		if c == "" {
			continue
		}
		file := files[i]
		i++
		s.log.Debugf("putting process %d to cgroup '%s:%s'", pid, c, name)
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			s.log.Errorf("cannot open: %s", file)
			return
		}
		// ocserv's fprintf is buffered: the kernel's verdict on the write
		// (e.g. EINVAL, ESRCH) only shows at fclose, which is not checked,
		// so a rejected write is silent there too.
		_, _ = fmt.Fprintf(f, "%d", pid)
		_ = f.Close()
	}
}

func trunc127(v string) string {
	if len(v) > 127 {
		return v[:127]
	}
	return v
}
