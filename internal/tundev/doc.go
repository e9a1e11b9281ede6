// Package tundev creates and configures the per-session tun devices and
// moves IP packets through them.
//
// Process: the package has two halves that run in different ocserv
// processes.
//
//   - create_linux.go and config_linux.go run in ocserv's main process, as
//     root (CAP_NET_ADMIN): Create opens /dev/net/tun and lets the kernel
//     pick the device name (`vpns0`, `vpns1`, … — the lowest free number,
//     so numbers are reused when sessions end), Configure gives it the
//     point-to-point addresses of the session and brings it up, SetMTU
//     applies the MTU the worker reports (CMD_TUN_MTU), RemoveAddrs takes a
//     session's addresses away when its leases move to a new session. They
//     touch only the device they are given, in the network namespace of the
//     calling OS thread (see "Namespaces" below).
//   - device_linux.go runs in the unprivileged worker: Device wraps the tun
//     file descriptor that main passed over the command socket
//     (SCM_RIGHTS) and reads and writes one IP packet per call. It needs no
//     privileges and no cgo; apart from read/write/close and epoll it makes
//     one fcntl (non-blocking mode) and, only if Name is called, the
//     TUNGETIFF ioctl.
//
// It mirrors ocserv's src/tun.c (os_open_tun, set_network_info,
// os_set_ipv6_addr, reset_tun, tun_read/tun_write for Linux). Where ocserv
// uses interface ioctls (SIOCSIFADDR, SIOCSIFDSTADDR, SIOCSIFFLAGS,
// SIOCADDRT) this package uses rtnetlink through
// github.com/vishvananda/netlink, producing the same kernel state, checked
// against ocserv 1.1.6 with a connected openconnect client:
//
//	vpns0: <POINTOPOINT,UP,LOWER_UP> mtu 1472 qdisc pfifo_fast qlen 500
//	    inet 192.168.99.1 peer 192.168.99.50/32 scope global vpns0
//	    inet6 fda9:4efe:7e3b::1/128 scope global
//	tun type tun pi off vnet_hdr off persist off user nobody group nogroup
//	fda9:4efe:7e3b:8e4f:9a7c:c09f:b76e:58ef dev vpns0 metric 1   (proto boot)
//
// (ocserv's SIOCSIFFLAGS sets exactly IFF_UP|IFF_RUNNING, which also clears
// the tun defaults MULTICAST and NOARP; Configure does the same.) One
// deliberate difference: the IPv6 address is added with IFA_F_NODAD, so it
// is usable at once instead of being "tentative" for the first second of
// the session.
//
// # Use
//
// main, per session (after the IP leases):
//
//	f, name, err := tundev.Create(cfg.Device, tundev.Owner{UID: uid, GID: gid})
//	res, err := tundev.Configure(name, tundev.Config{LocalIPv4: l4, PeerIPv4: r4,
//		LocalIPv6: l6, PeerIPv6: netip.PrefixFrom(r6, subnetPrefix)})
//	// res.IPv6Err != nil: drop the IPv6 lease, carry on with IPv4.
//	// send int(f.Fd()) with AUTH_COOKIE_REP (SCM_RIGHTS), then f.Close()
//	// later, on CMD_TUN_MTU: tundev.SetMTU(name, mtu)
//
// worker:
//
//	dev, err := tundev.NewDevice(fdFromMain)
//	n, err := dev.ReadPacket(buf) // one IP packet → CSTP/DTLS
//	err = dev.WritePacket(pkt)    // one IP packet from the client
//
// # Namespaces
//
// A tun device is created in the network namespace of the thread that opens
// /dev/net/tun, and rtnetlink requests act in the namespace of the thread
// that opens the netlink socket (this package opens one per request). The
// main-side functions therefore act in the calling thread's namespace. A
// daemon that lives in one namespace needs nothing special; code that
// switches namespaces must call these functions on a goroutine locked to
// an OS thread (runtime.LockOSThread) that has entered the namespace, as
// the tests do.
package tundev
