// Package logx is ocserv-go's logger, shared by every process (main,
// sec-mod, worker).
//
// It mirrors ocserv's src/log.c and the mslog/seclog/oclog macros: messages
// carry a priority and are dropped when the debug level (-d N or log-level)
// is too low; what remains goes to syslog (ident "ocserv", facility daemon,
// with the pid) and, when ocserv would have opened syslog with LOG_PERROR
// (a non-zero -d on the command line), also to stderr as
// "ocserv[PID]: PREFIX: message".
//
// Every line is made safe at one place, Logf: control characters, invalid
// UTF-8 and other non-printable runes in the prefix or the message (a
// client's user name, hostname, user agent, ...) are written as \xNN or
// \uNNNN escapes, so no client-supplied string can start a forged log
// line; printable UTF-8 is kept as it is.
//
// It touches only the syslog socket (/dev/log, opened at New so it keeps
// working after a chroot) and the stderr writer it is given.
package logx

import (
	"fmt"
	"io"
	"log/syslog"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// Debug levels, as ocserv's DEBUG_* constants (-d N / log-level).
const (
	LevelBasic       = 1
	LevelInfo        = 2
	LevelDebug       = 3
	LevelHTTP        = 4
	LevelTransferred = 5
	LevelSensitive   = 8
	LevelTLS         = 9
)

// Priority is the kind of one message.
type Priority int

// Message priorities. Err and Notice are always logged; the others need the
// debug level shown.
const (
	PriErr       Priority = iota // LOG_ERR
	PriNotice                    // LOG_NOTICE
	PriInfo                      // LOG_INFO, level >= 2
	PriDebug                     // LOG_DEBUG, level >= 3
	PriHTTP                      // HTTP headers and bodies, level >= 4 (syslog LOG_DEBUG)
	PriTransfer                  // per-packet traces, level >= 5 (syslog LOG_DEBUG)
	PriSensitive                 // cookies, secrets, level >= 8 (syslog LOG_DEBUG)
	PriTLS                       // TLS library traces, level >= 9 (syslog LOG_DEBUG)
)

// minLevel is the debug level from which each priority is logged.
var minLevel = [...]int{
	PriErr:       0,
	PriNotice:    0,
	PriInfo:      LevelInfo,
	PriDebug:     LevelDebug,
	PriHTTP:      LevelHTTP,
	PriTransfer:  LevelTransferred,
	PriSensitive: LevelSensitive,
	PriTLS:       LevelTLS,
}

// Syslog is the part of *log/syslog.Writer the logger uses; tests pass a fake.
type Syslog interface {
	Err(string) error
	Notice(string) error
	Info(string) error
	Debug(string) error
}

// Ident is the syslog identity ocserv uses for every process.
const Ident = "ocserv"

// Options configures NewWithOptions.
type Options struct {
	Level  int       // debug level 0-9 (higher values behave as 9)
	Stderr io.Writer // mirror of every logged line, nil for none
	// Syslog receives the messages. Nil means: dial the local syslog
	// daemon (retried at most every RetryEvery while it is absent).
	Syslog   Syslog
	NoSyslog bool             // do not use syslog at all
	PID      int              // pid shown on stderr lines; 0 = os.Getpid()
	Now      func() time.Time // clock for the dial retry; nil = time.Now
}

// RetryEvery is how often a missing syslog daemon is dialled again.
const RetryEvery = 10 * time.Second

// shared is what loggers derived with With have in common.
type shared struct {
	mu        sync.Mutex
	level     int
	stderr    io.Writer
	sys       Syslog
	dial      bool // sys may be (re)dialled
	lastDial  time.Time
	pid       int
	now       func() time.Time
	closeable io.Closer
}

// Logger writes ocserv-style log lines for one process or one client.
type Logger struct {
	s    *shared
	lead string // put verbatim before every message
}

// New returns a logger for process proc ("main", "sec-mod", "worker"),
// whose messages read "proc: msg", at debug level level. toStderr mirrors messages to os.Stderr; ocserv does
// that when -d N (N != 0) was given on the command line. Syslog is used when
// a syslog daemon is reachable.
func New(proc string, level int, toStderr bool) *Logger {
	o := Options{Level: level}
	if toStderr {
		o.Stderr = os.Stderr
	}
	return NewWithOptions(proc, o)
}

// NewWithOptions is New with every knob exposed.
func NewWithOptions(proc string, o Options) *Logger {
	s := &shared{level: o.Level, stderr: o.Stderr, sys: o.Syslog, pid: o.PID, now: o.Now}
	if s.pid == 0 {
		s.pid = os.Getpid()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sys == nil && !o.NoSyslog {
		s.dial = true
		s.dialLocked()
	}
	l := &Logger{s: s}
	if proc != "" {
		l.lead = proc + ": "
	}
	return l
}

func (s *shared) dialLocked() {
	s.lastDial = s.now()
	w, err := syslog.New(syslog.LOG_DAEMON|syslog.LOG_INFO, Ident)
	if err != nil {
		return
	}
	s.sys = w
	s.closeable = w
}

// With returns a logger sharing l's outputs whose messages start with
// prefix and one space, as ocserv's per-client lines do:
// With("main[alice]:192.0.2.1:51234") logs "main[alice]:192.0.2.1:51234 msg",
// With("worker[alice]: 192.0.2.1") logs "worker[alice]: 192.0.2.1 msg".
func (l *Logger) With(prefix string) *Logger { return &Logger{s: l.s, lead: prefix + " "} }

// SetLevel changes the debug level (e.g. after a reload changed log-level).
func (l *Logger) SetLevel(level int) {
	l.s.mu.Lock()
	l.s.level = level
	l.s.mu.Unlock()
}

// Level returns the current debug level.
func (l *Logger) Level() int {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.s.level
}

// Enabled reports whether messages of priority p are logged.
func (l *Logger) Enabled(p Priority) bool {
	if p < 0 || int(p) >= len(minLevel) {
		return false
	}
	return l.Level() >= minLevel[p]
}

// Logf logs one message of priority p.
func (l *Logger) Logf(p Priority, format string, args ...any) {
	if !l.Enabled(p) {
		return
	}
	msg := fmt.Sprintf(format, args...)
	msg = Escape(l.lead + strings.TrimRight(msg, "\n"))
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sys == nil && s.dial && s.now().Sub(s.lastDial) >= RetryEvery {
		s.dialLocked()
	}
	if s.sys != nil {
		switch p {
		case PriErr:
			_ = s.sys.Err(msg)
		case PriNotice:
			_ = s.sys.Notice(msg)
		case PriInfo:
			_ = s.sys.Info(msg)
		default:
			_ = s.sys.Debug(msg)
		}
	}
	if s.stderr != nil {
		fmt.Fprintf(s.stderr, "%s[%d]: %s\n", Ident, s.pid, msg)
	}
}

// Errorf logs an error (always).
func (l *Logger) Errorf(format string, args ...any) { l.Logf(PriErr, format, args...) }

// Noticef logs a notice (always).
func (l *Logger) Noticef(format string, args ...any) { l.Logf(PriNotice, format, args...) }

// Infof logs at level 2 (info) and above.
func (l *Logger) Infof(format string, args ...any) { l.Logf(PriInfo, format, args...) }

// Debugf logs at level 3 (debug) and above.
func (l *Logger) Debugf(format string, args ...any) { l.Logf(PriDebug, format, args...) }

// HTTPf logs HTTP traffic at level 4 and above.
func (l *Logger) HTTPf(format string, args ...any) { l.Logf(PriHTTP, format, args...) }

// Transferf logs per-packet traces at level 5 and above.
func (l *Logger) Transferf(format string, args ...any) { l.Logf(PriTransfer, format, args...) }

// Sensitivef logs secrets (cookies, session ids) at level 8 and above.
func (l *Logger) Sensitivef(format string, args ...any) { l.Logf(PriSensitive, format, args...) }

// TLSf logs TLS library traces at level 9.
func (l *Logger) TLSf(format string, args ...any) { l.Logf(PriTLS, format, args...) }

// Close closes the syslog connection if this package opened it.
func (l *Logger) Close() error {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	l.s.dial = false
	if l.s.closeable != nil {
		err := l.s.closeable.Close()
		l.s.closeable, l.s.sys = nil, nil
		return err
	}
	return nil
}

// Escape returns s with every byte or rune that could break or disguise a
// log line written as an escape: ASCII control characters (newline, carriage
// return, tab, escape, ...) and DEL as \xNN, invalid UTF-8 bytes as \xNN,
// and non-printable runes (C1 controls, line and paragraph separators,
// bidirectional overrides, ...) as \uNNNN or \UNNNNNNNN. Printable
// UTF-8, including the space, is kept.
func Escape(s string) string {
	if isPlainASCII(s) {
		return s
	}
	b := make([]byte, 0, len(s)+16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n <= 1:
			b = appendByteEscape(b, s[i])
		case r < utf8.RuneSelf && (r < ' ' || r == 0x7f):
			b = appendByteEscape(b, byte(r))
		case r >= utf8.RuneSelf && !unicode.IsPrint(r):
			b = appendRuneEscape(b, r)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// isPlainASCII reports whether s is printable ASCII only (the common case).
func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

func appendByteEscape(b []byte, c byte) []byte {
	const hex = "0123456789abcdef"
	return append(b, '\\', 'x', hex[c>>4], hex[c&15])
}

func appendRuneEscape(b []byte, r rune) []byte {
	q := strconv.QuoteRuneToASCII(r) // e.g. '\u2028'
	return append(b, q[1:len(q)-1]...)
}
