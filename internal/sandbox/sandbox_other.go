//go:build !linux

package sandbox

import (
	"errors"
	"os"
)

// Available is false: seccomp exists only on Linux.
const Available = false

// Options says what the filter must leave open (Linux only).
type Options struct {
	AllowOpen, Traceable, Debug bool
	OOMScoreAdj                 *os.File
}

// Early does nothing off Linux.
func Early(bool) (*os.File, error) { return nil, nil }

// Apply fails: seccomp exists only on Linux.
func Apply(Options) error { return errors.New("sandbox: seccomp needs Linux") }

// Traceable reports whether args hold -x/--traceable.
func Traceable([]string) bool { return false }

// Supported is false off Linux.
func Supported() bool { return false }
