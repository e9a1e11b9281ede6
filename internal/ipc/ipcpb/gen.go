// Package ipcpb holds the Go code generated from internal/ipc/proto/ipc.proto,
// the messages of ocserv-go's inter-process protocol (the counterpart of
// ocserv's src/ipc.proto). It is used by main, sec-mod and the worker; it
// has no behaviour of its own. Use package ipc to frame and route messages.
//
// The generated file is committed; regenerate it with `go generate` (needs
// protoc and protoc-gen-go on PATH).
package ipcpb

//go:generate protoc --proto_path=../proto --go_out=. --go_opt=paths=source_relative ipc.proto
