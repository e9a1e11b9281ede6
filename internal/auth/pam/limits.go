package pam

import (
	"time"

	"github.com/ocserv-go/ocserv/internal/config"
)

// DefaultMaxConcurrent is the bound on PAM transactions in progress when
// max-clients is unlimited (0).
const DefaultMaxConcurrent = 1024

// HardMaxConcurrent caps the bound whatever max-clients says. Each PAM
// transaction waiting for the client pins one OS thread of sec-mod (the
// conversation callback runs inside libpam's call), and Go aborts a
// process at 10,000 threads.
const HardMaxConcurrent = 2048

// DefaultTimeout is how long a conversation waits for the client when
// auth-timeout is 0.
const DefaultTimeout = 5 * time.Minute

// Limits bounds the PAM transactions of one sec-mod, shared by every PAM
// module (all vhosts): at most a fixed number in progress at once (a login
// beyond it fails at once), and each conversation waits at most Timeout
// for the client's next answer. A transaction's slot is freed only when
// libpam has returned, so a PAM stack that hangs cannot exceed the bound.
// It is safe for concurrent use.
type Limits struct {
	slots   chan struct{}
	timeout time.Duration
}

// NewLimits returns limits of max concurrent transactions (at least 1)
// and a conversation timeout (DefaultTimeout when <= 0).
func NewLimits(max int, timeout time.Duration) *Limits {
	if max < 1 {
		max = 1
	}
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	return &Limits{slots: make(chan struct{}, max), timeout: timeout}
}

// LimitsFor derives the limits from the configuration: max-clients
// concurrent transactions (DefaultMaxConcurrent when 0), never more than
// HardMaxConcurrent, and auth-timeout as the conversation timeout. A
// client needs a worker to log in, so max-clients already bounds the
// logins ocserv serves at once; auth-timeout is how long a worker waits
// for its client.
func LimitsFor(cfg *config.Config) *Limits {
	max := DefaultMaxConcurrent
	if cfg.MaxClients > 0 {
		max = cfg.MaxClients
	}
	max = min(max, HardMaxConcurrent)
	return NewLimits(max, time.Duration(cfg.AuthTimeout)*time.Second)
}

// Max is the bound on concurrent transactions.
func (l *Limits) Max() int { return cap(l.slots) }

// Timeout is how long a conversation waits for the client.
func (l *Limits) Timeout() time.Duration { return l.timeout }

// InUse is the number of transactions in progress.
func (l *Limits) InUse() int { return len(l.slots) }

// acquire takes a slot without waiting; false when all are taken.
func (l *Limits) acquire() bool {
	select {
	case l.slots <- struct{}{}:
		return true
	default:
		return false
	}
}

func (l *Limits) release() { <-l.slots }
