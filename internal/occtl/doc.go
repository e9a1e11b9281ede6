// Package occtl is the control tool's logic: the command table and its
// matching rules, one-shot option parsing, the control-socket exchange, and
// the text and JSON renderers that reproduce ocserv 1.1.6's occtl output
// byte for byte (including its quirks: string-typed numbers, dangling
// commas, duplicated keys). cmd/occtl is a thin wrapper around Main.
//
// Output is written with the byte-exact width rules of C's printf (%8s pads
// by bytes, %.24s cuts bytes), never with fmt's rune-based widths.
package occtl
