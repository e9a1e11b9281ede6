package rig

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// ServerOptions choose how StartServer runs a server.
type ServerOptions struct {
	// Binary is the server program (default RealOcserv). Use BuildOurs to
	// get a path to ocserv-go.
	Binary string
	// Debug is the -d level (default 1; 0 means 1).
	Debug int
	// Args are extra command-line arguments, placed before -c.
	Args []string
	// Env holds extra KEY=VALUE environment variables.
	Env []string
	// ReadyTimeout bounds the wait for the TCP port (default 15 s).
	ReadyTimeout time.Duration
	// NoWait returns right after starting, without waiting for the port
	// (for tests of servers that must refuse to start).
	NoWait bool
}

// Server is a running server process in the rig's server namespace.
type Server struct {
	r          *Rig
	p          *proc
	Name       string // "server0", "server1", ...
	Binary     string
	ConfigPath string
	LogPath    string
	Config     *Config
	Port       int // TCP port from the config
}

// StartServer writes cfg to r.Dir/NAME.conf and starts
// `ip netns exec SERVERNS BINARY -f -d N -c CONFIG`, output to
// r.Dir/NAME.log. Unless NoWait, it waits until the TCP port listens in the
// server namespace, failing the test with the log tail if the process exits
// or the port does not answer in time.
func (r *Rig) StartServer(cfg *Config, opt ServerOptions) *Server {
	r.T.Helper()
	if opt.Binary == "" {
		opt.Binary = RealOcserv
	}
	if _, err := exec.LookPath(opt.Binary); err != nil {
		r.T.Fatalf("e2e: needs server program %q: %v", opt.Binary, err)
	}
	if opt.Debug <= 0 {
		opt.Debug = 1
	}
	if opt.ReadyTimeout <= 0 {
		opt.ReadyTimeout = 15 * time.Second
	}
	r.mu.Lock()
	name := fmt.Sprintf("server%d", len(r.servers))
	r.mu.Unlock()
	s := &Server{r: r, Name: name, Binary: opt.Binary, Config: cfg,
		ConfigPath: filepath.Join(r.Dir, name+".conf"), LogPath: filepath.Join(r.Dir, name+".log"), Port: 443}
	if v := cfg.Get("tcp-port"); len(v) > 0 {
		if n, err := strconv.Atoi(strings.Trim(v[len(v)-1], `"`)); err == nil {
			s.Port = n
		}
	}
	if err := cfg.Write(s.ConfigPath); err != nil {
		r.T.Fatalf("rig: %v", err)
	}
	argv := []string{opt.Binary, "-f", "-d", strconv.Itoa(opt.Debug)}
	argv = append(argv, opt.Args...)
	argv = append(argv, "-c", s.ConfigPath)
	p, err := r.startProc(r.ServerNS, argv, nil, s.LogPath, opt.Env)
	if err != nil {
		r.T.Fatalf("rig: server: %v", err)
	}
	s.p = p
	r.mu.Lock()
	r.servers = append(r.servers, s)
	r.mu.Unlock()
	if opt.NoWait {
		return s
	}
	if err := s.WaitReady(opt.ReadyTimeout); err != nil {
		r.T.Fatalf("rig: %v\n--- %s log tail ---\n%s", err, name, tail(s.Log(), 40))
	}
	return s
}

// WaitReady waits until the server listens on its TCP port, or fails early
// if the process exits.
func (s *Server) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if s.p.exited() {
			return fmt.Errorf("server %s exited (code %d) before listening on port %d", s.Binary, s.p.exitCode(), s.Port)
		}
		out, err := s.r.ExecTimeout(5*time.Second, s.r.ServerNS, "ss", "-Hltn", fmt.Sprintf("sport = :%d", s.Port))
		if err == nil && strings.TrimSpace(out) != "" {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server %s did not listen on TCP port %d within %v", s.Binary, s.Port, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// PID of the server's main process.
func (s *Server) PID() int { return s.p.pid() }

// Running reports whether the main process is still alive.
func (s *Server) Running() bool { return !s.p.exited() }

// ExitCode is the server's exit status once it has exited (-1 before, or
// when it was killed by a signal).
func (s *Server) ExitCode() int { return s.p.exitCode() }

// WaitExit waits up to d for the server to exit on its own.
func (s *Server) WaitExit(d time.Duration) bool { return s.p.wait(d) }

// Log returns everything the server printed so far.
func (s *Server) Log() string { return readFile(s.LogPath) }

// WaitLog waits up to d until the log contains substr.
func (s *Server) WaitLog(substr string, d time.Duration) bool {
	return WaitFor(d, func() bool { return strings.Contains(s.Log(), substr) })
}

// Signal sends sig to the server's main process (e.g. SIGHUP to reload).
func (s *Server) Signal(sig syscall.Signal) error {
	if s.p.exited() {
		return fmt.Errorf("server already exited")
	}
	return syscall.Kill(s.p.pid(), sig)
}

// Stop sends SIGTERM and waits up to 15 s, then SIGKILLs the process group.
// It reports whether the server exited on SIGTERM in time.
func (s *Server) Stop() bool { return s.stop(15 * time.Second) }

func (s *Server) stop(d time.Duration) bool { return s.p.terminate(syscall.SIGTERM, d) }

// Occtl runs occtl (default "occtl" on PATH, or prog) in the server
// namespace against this server's occtl socket: PROG -s SOCKET ARGS...
func (s *Server) Occtl(prog string, args ...string) (string, error) {
	if prog == "" {
		prog = "occtl"
	}
	sock := s.Config.Get("occtl-socket-file")
	if len(sock) == 0 {
		return "", fmt.Errorf("config has no occtl-socket-file")
	}
	argv := append([]string{prog, "-s", sock[len(sock)-1]}, args...)
	return s.r.ExecTimeout(15*time.Second, s.r.ServerNS, argv...)
}
