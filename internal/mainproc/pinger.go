package mainproc

import (
	"context"
	"net/netip"
	"os/exec"
	"time"
)

// icmpPinger is the ping-leases check (ocserv's icmp-ping.c): one ICMP echo
// with a one-second wait, sent by the system's ping(8) in main's network
// namespace.
type icmpPinger struct{}

func (icmpPinger) InUse(addr netip.Addr) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return exec.CommandContext(ctx, "ping", "-n", "-q", "-c", "1", "-W", "1", addr.String()).Run() == nil
}
