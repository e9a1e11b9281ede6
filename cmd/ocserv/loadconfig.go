package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/ocserv-go/ocserv/internal/config"
)

// loadConfig is the one place that calls the config package. It prints
// Load's diagnostics on stderr, checks each vhost's certificate and key
// files as they are loaded (checkVhostFiles), and returns the exit code for a failure
// (0 when cfg is usable).
func loadConfig(path string, o options, stderr io.Writer) (*config.Config, int) {
	cfg, err := config.Load(path, config.LoadOptions{
		Stderr:    stderr,
		PidFile:   o.PidFile,
		LoadFiles: func(v *config.Vhost) error { return checkVhostFiles(v, stderr) },
	})
	if err != nil {
		var ce *config.Error
		if errors.As(err, &ce) {
			if ce.Msg != "" {
				fmt.Fprintln(stderr, ce.Msg)
			}
			if ce.ExitCode != 0 {
				return nil, ce.ExitCode
			}
			return nil, 1
		}
		fmt.Fprintf(stderr, "error: %v\n", err)
		return nil, 1
	}
	return cfg, 0
}
