// Package ctlpb holds the Go code generated from internal/ctl/proto/ctl.proto,
// the messages of the occtl control protocol. The schema is wire
// compatible with ocserv 1.1.x. It is used by main (the server side) and
// by occtl (the client side); it has no behaviour of its own. Use package
// ctl for command numbers, framing and the client helpers.
//
// The generated file is committed; regenerate it with `go generate` (needs
// protoc and protoc-gen-go on PATH).
package ctlpb

//go:generate protoc --proto_path=../proto --go_out=. --go_opt=paths=source_relative ctl.proto
