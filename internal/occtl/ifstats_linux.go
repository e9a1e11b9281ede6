package occtl

import "github.com/vishvananda/netlink"

// linkStats reads a device's byte counters over rtnetlink in occtl's own
// network namespace, as occtl does with libnl.
func linkStats(dev string) (rx, tx uint64, ok bool) {
	l, err := netlink.LinkByName(dev)
	if err != nil || l.Attrs().Statistics == nil {
		return 0, 0, false
	}
	st := l.Attrs().Statistics
	return st.RxBytes, st.TxBytes, true
}
