// Package lease hands out the VPN addresses of sessions: the IPv4 and
// IPv6 pools, the lease table that keeps two live sessions from sharing an
// address, and ocserv's "predictable IPs" choice.
//
// It runs in the main process (ocserv's main), which owns every lease; it
// touches no network state itself: the tun device is configured by the
// caller and the optional ping-leases check goes through the Pinger
// interface. It mirrors ocserv's src/ip-lease.c (pool walk, steal on
// cookie reuse) and the seed made in src/sec-mod-auth.c (lookup3
// hashlittle of the user name, src/ccan/hash).
//
// The address choice reproduces ocserv 1.1.6 exactly for the deterministic
// tries; testdata/ocserv-1.1.6-leases.txt holds addresses observed from the
// real server (testdata/capture.sh) and the tests reproduce them.
//
// The walk, per family, is 16 tries: the seed (IPv4) or SHA-1 of the
// seed (IPv6), then 5 derived tries, then 10 random ones. IPv4 derives
// each try from SHA-1 of the previous candidate after it was masked into
// the pool; IPv6 hashes a cleared buffer, so all 5 are SHA-1 of 16 zero
// bytes (both observed on 1.1.6). Known differences from ocserv: random
// IPv6 tries fill all 16 bytes (ocserv fills only the first 12), and an
// IPv6 block containing the server end is refused (ocserv can hand it
// out); neither changes a deterministic outcome that was observable.
package lease
