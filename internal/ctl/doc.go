// Package ctl is the occtl control protocol: the command numbers, the
// request decoding main needs, and client helpers for occtl.
//
// It is wire compatible with ocserv 1.1.x (occtl.md §7): each message is an
// internal/ipc frame (one command byte, a host-endian uint32 body length,
// then a proto2 body from package ctlpb). The server reads at most
// MaxRequest body bytes; replies may be large.
//
// The package has no state and runs in whichever process imports it: the
// client helpers (Do, Top) run in occtl; DecodeRequest runs in main. It
// touches nothing but the socket it is given.
package ctl
