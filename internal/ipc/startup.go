package ipc

import (
	"encoding/base64"
	"fmt"
	"os"

	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// StartupEnv is the environment variable holding the worker's start-up
// message (base64 of an ipcpb.WorkerStartup), as in ocserv.
const StartupEnv = "OCSERV_WORKER_STARTUP_MSG"

// MaxStartupSize bounds the encoded start-up message. Linux refuses a
// single environment string over 128 KiB (MAX_ARG_STRLEN), so this is the
// most an environment variable can carry.
const MaxStartupSize = 128*1024 - len(StartupEnv) - 2

// EncodeStartup returns the base64 form of m for StartupEnv.
func EncodeStartup(m proto.Message) (string, error) {
	b, err := proto.Marshal(m)
	if err != nil {
		return "", fmt.Errorf("ipc: encoding start-up message: %w", err)
	}
	s := base64.StdEncoding.EncodeToString(b)
	if len(s) > MaxStartupSize {
		return "", fmt.Errorf("ipc: start-up message: %w (%d bytes encoded, limit %d)", ErrTooLarge, len(s), MaxStartupSize)
	}
	return s, nil
}

// DecodeStartup parses the base64 start-up message s into m.
func DecodeStartup(s string, m proto.Message) error {
	if len(s) > MaxStartupSize {
		return fmt.Errorf("ipc: start-up message: %w (%d bytes, limit %d)", ErrTooLarge, len(s), MaxStartupSize)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Errorf("ipc: start-up message: %w", err)
	}
	if err := proto.Unmarshal(b, m); err != nil {
		return fmt.Errorf("ipc: start-up message: %w", err)
	}
	return nil
}

// WorkerStartupFromEnv decodes StartupEnv; like ocserv's worker it fails
// when the variable is missing.
func WorkerStartupFromEnv() (*ipcpb.WorkerStartup, error) {
	s, ok := os.LookupEnv(StartupEnv)
	if !ok || s == "" {
		return nil, fmt.Errorf("ipc: %s is not set (the worker must be started by main)", StartupEnv)
	}
	m := &ipcpb.WorkerStartup{}
	if err := DecodeStartup(s, m); err != nil {
		return nil, err
	}
	return m, nil
}
