package occtl

import (
	"fmt"
	"io"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

// UserList renders show users (and the list show events starts with):
// the table in text mode, the show user -j array in JSON mode.
func (r *Renderer) UserList(w io.Writer, rep *ctlpb.UserListRep) {
	if r.JSON {
		r.UserInfo(w, rep)
		return
	}
	c := r.clock()
	for i, u := range rep.GetUser() {
		if i == 0 {
			fmt.Fprintf(w, "%s %s %s %s %s %s %s %s %s\n",
				lpad("id", 8), lpad("user", 8), lpad("vhost", 8), lpad("ip", 14),
				lpad("vpn-ip", 14), lpad("device", 6), lpad("since", 7),
				lpad("dtls-cipher", 14), lpad("status", 9))
		}
		fmt.Fprintf(w, "%8d %s %s %s %s %s ", u.GetId(), lpad(orNone(s(u.Username)), 8),
			lpad(sn(u.Vhost), 8), lpad(sn(u.Ip), 14), lpad(vpnIP(u), 14), lpad(sn(u.Tun), 6))
		fmt.Fprintf(w, "%s %s %s\n", c.since(int64(u.GetConnTime())),
			lpad(dtlsShort(s(u.DtlsCiphersuite)), 14), lpad(stateText(u.GetStatus(), false), 9))
	}
}

// UserInfo renders show user / show id (one block per session) and
// returns occtl's status: 0, or 2 when the list is empty.
func (r *Renderer) UserInfo(w io.Writer, rep *ctlpb.UserListRep) int {
	p := r.printer(w)
	c := r.clock()
	users := rep.GetUser()
	if r.JSON {
		p.puts("[\n")
	}
	for i, u := range users {
		if i > 0 {
			p.puts("\n")
		}
		p.startBlock()
		p.num("ID", uint64(int64(u.GetId())), true)
		p.pair("Username", orNone(s(u.Username)), "Groupname", orNone(s(u.Groupname)), true)
		p.value("State", stateText(u.GetStatus(), false), true)
		p.value("vhost", s(u.Vhost), true)
		if u.Mtu != nil {
			p.pair("Device", s(u.Tun), "MTU", itoa(int64(int32(u.GetMtu()))), true)
		} else {
			p.value("Device", s(u.Tun), true)
		}
		p.pair("Remote IP", s(u.Ip), "Location", r.geo(s(u.Ip)), true)
		p.value("Local Device IP", s(u.LocalDevIp), true)
		if s(u.LocalIp) != "" && s(u.RemoteIp) != "" {
			p.pair("IPv4", s(u.LocalIp), "P-t-P IPv4", s(u.RemoteIp), true)
		}
		if s(u.LocalIp6) != "" && s(u.RemoteIp6) != "" {
			p.pair("IPv6", s(u.LocalIp6), "P-t-P IPv6", s(u.RemoteIp6), true)
		}
		p.value("User-Agent", s(u.UserAgent), true)

		rxl, txl := uint64(u.GetRxPerSec()), uint64(u.GetTxPerSec())
		switch {
		case rxl > 0 && txl > 0:
			p.pair("Limit RX", bytesHuman(rxl, "/sec"), "TX", bytesHuman(txl, "/sec"), true)
		case txl > 0:
			p.value("Limit TX", bytesHuman(txl, "/sec"), true)
		case rxl > 0:
			p.value("Limit RX", bytesHuman(rxl, "/sec"), true)
		}

		r.ifaceStats(p, s(u.Tun), int64(u.GetConnTime()))

		p.pair("DPD", itoa(int64(int32(u.GetDpd()))), "KeepAlive", itoa(int64(int32(u.GetKeepalive()))), true)
		p.value("Hostname", s(u.Hostname), true)
		conn := int64(u.GetConnTime())
		p.valueEx("Connected at", c.date(conn), c.since(conn), true)
		if r.JSON {
			p.value("Full session", fullID(u.SafeId), true)
		}
		p.value("Session", shortID(u.SafeId), true)
		p.value("TLS ciphersuite", s(u.TlsCiphersuite), true)
		p.value("DTLS cipher", s(u.DtlsCiphersuite), true)
		p.pair("CSTP compression", s(u.CstpCompr), "DTLS compression", s(u.DtlsCompr), true)

		p.separator()
		p.list("DNS", u.GetDns(), true)
		p.list("NBNS", u.GetNbns(), true)
		p.list("Split-DNS-Domains", u.GetDomains(), true)
		if p.list("Routes", u.GetRoutes(), true) == 0 {
			p.value("Routes", "defaultroute", true)
		}
		p.list("No-routes", u.GetNoRoutes(), true)
		p.list("iRoutes", u.GetIroutes(), true)
		restricted := "False"
		if u.GetRestrictToRoutes() {
			restricted = "True"
		}
		p.value("Restricted to routes", restricted, true)
		r.fwPorts(p, u.GetFwPorts())
		p.endBlock(i < len(users)-1)
	}
	if r.JSON {
		p.puts("]\n")
	}
	if len(users) == 0 {
		if !r.JSON {
			p.puts("user or ID not found\n")
		}
		return 2
	}
	return 0
}

// ifaceStats prints RX/TX and the average bandwidth of the tun device.
func (r *Renderer) ifaceStats(p *printer, dev string, since int64) {
	if dev == "" || r.IfStats == nil {
		return
	}
	rx, tx, ok := r.IfStats(dev)
	if !ok {
		if r.Stderr != nil {
			fmt.Fprintf(r.Stderr, "nl: cannot find %s\n", dev)
		}
		return
	}
	h1, h2 := bytesHuman(rx, ""), bytesHuman(tx, "")
	if p.json {
		p.printf("    \"RX\":  \"%d\",\n    \"TX\":  \"%d\",\n", rx, tx)
		p.printf("    \"_RX\":  \"%s\",\n    \"_TX\":  \"%s\",\n", h1, h2)
	} else {
		p.printf("\tRX: %d (%s)   TX: %d (%s)\n", rx, h1, tx, h2)
	}
	diff := r.clock().now.Unix() - since
	speed := func(b uint64) string {
		if diff == 0 {
			return bytesHuman(0, "/sec")
		}
		// C divides an unsigned long by a time_t: both become unsigned.
		return bytesHuman(b/uint64(diff), "/sec")
	}
	if p.json {
		p.printf("    \"Average RX\":  \"%s\",\n    \"Average TX\":  \"%s\",\n", speed(rx), speed(tx))
	} else {
		p.printf("\tAverage bandwidth RX: %s  TX: %s\n", speed(rx), speed(tx))
	}
}

func (r *Renderer) fwPorts(p *printer, ports []*ctlpb.FwPort) {
	item := func(f *ctlpb.FwPort) string {
		neg := ""
		if f.GetNegate() != 0 {
			neg = "!"
		}
		if f.GetPort() != 0 {
			return fmt.Sprintf("%s%s(%d)", neg, protoName(f.GetProto()), int32(f.GetPort()))
		}
		return neg + protoName(f.GetProto()) + "()"
	}
	if p.json {
		p.printf("    \"%s\":\t[", "Restricted to ports")
		for i, f := range ports {
			if i > 0 {
				p.puts(", ")
			}
			p.printf("\"%s\"", item(f))
		}
		p.puts("]\n")
		return
	}
	for i, f := range ports {
		if i == 0 {
			p.printf("\t%s: %s", "Restricted to ports", item(f))
		} else {
			p.printf(", %s", item(f))
		}
	}
	p.puts("\n")
}

// Iroutes renders show iroutes.
func (r *Renderer) Iroutes(w io.Writer, rep *ctlpb.UserListRep) {
	p := r.printer(w)
	if !r.JSON {
		for i, u := range rep.GetUser() {
			if i == 0 {
				fmt.Fprintf(w, "%s %s %s %s %s %s\n", lpad("id", 6), lpad("user", 8),
					lpad("vhost", 8), lpad("device", 6), lpad("vpn-ip", 16), lpad("iroute", 28))
			}
			for _, ir := range u.GetIroutes() {
				fmt.Fprintf(w, "%6d %s %s %s %s %s\n", u.GetId(), lpad(orNone(s(u.Username)), 8),
					lpad(sn(u.Vhost), 8), lpad(sn(u.Tun), 6), lpad(vpnIP(u), 16), lpad(cstr(ir), 28))
			}
		}
		return
	}
	p.startBlock()
	for _, u := range rep.GetUser() {
		ip := vpnIP(u)
		p.num("ID", uint64(int64(u.GetId())), true)
		p.value("Username", orNone(s(u.Username)), true)
		p.value("vhost", s(u.Vhost), true)
		p.value("Device", s(u.Tun), true)
		p.value("IP", ip, true)
		p.list("iRoutes", u.GetIroutes(), true)
		p.value("IP", ip, false)
	}
	p.endBlock(false)
}
