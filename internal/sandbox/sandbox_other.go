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

// Apply fails: seccomp exists only on Linux.
func Apply(Options) error { return errors.New("sandbox: seccomp needs Linux") }

// Supported is false off Linux.
func Supported() bool { return false }
