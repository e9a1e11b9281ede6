// Package ipc is the inter-process transport shared by ocserv-go's three
// processes: main, sec-mod and the per-client worker. It runs in all of
// them and touches only the Unix sockets and descriptors it is handed (or
// dials, for the worker's per-request sec-mod connections); it never opens
// files or network sockets of its own.
//
// It mirrors the framing and descriptor passing of ocserv's
// src/common/common.c (send_msg / recv_msg / send_socket_msg /
// recv_socket_msg), the command numbers of src/defs.h and the socket
// helpers of src/main.c and src/worker.c.
//
// # Frames
//
// Every message is one frame (architecture.md §4.1):
//
//	byte 0   command (Cmd)
//	1..4     body length, uint32 in host byte order
//	5..      protobuf (proto2) body, see package ipcpb
//
// A frame is written with a single sendmsg; an optional file descriptor
// travels as one SCM_RIGHTS control message on that same call and is
// received together with the header. Receivers give a maximum body size
// (MaxMsgSize, MaxCtlRequest) and a frame announcing more is rejected
// before anything is allocated.
//
// # API
//
// Send / SendBytes write a frame, Recv reads one, Call does both with one
// deadline, Request dials a fresh connection for one request (the worker's
// way to reach sec-mod). Socketpair, FileConn and Inherit / InheritedFile
// create and hand over the channels; PeerCred reads SO_PEERCRED.
// NewMessage and Decode map a command to its ipcpb message type.
package ipc
