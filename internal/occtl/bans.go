package occtl

import (
	"fmt"
	"io"
	"net/netip"

	"github.com/ocserv-go/ocserv/internal/ctl/ctlpb"
)

// banIP is the text form of a ban entry's raw address ("" = skipped).
func banIP(b []byte) string {
	switch {
	case len(b) < 4:
		return ""
	case len(b) == 16:
		return netip.AddrFrom16([16]byte(b)).String()
	}
	return netip.AddrFrom4([4]byte(b[:4])).String()
}

// Bans renders show ip bans (points=false: only entries with an expiry)
// and show ip ban points. It returns the addresses it printed.
func (r *Renderer) Bans(w io.Writer, rep *ctlpb.BanListRep, points bool) []string {
	p := r.printer(w)
	c := r.clock()
	var ips []string
	infos := rep.GetInfo()
	p.startArray()
	for i, b := range infos {
		ip := banIP(b.Ip)
		if ip == "" {
			continue
		}
		if !points {
			if b.Expires == nil {
				continue
			}
			exp := int64(b.GetExpires())
			date := c.date(exp)
			if i == 0 && !r.JSON {
				fmt.Fprintf(w, "%s %s %s\n", lpad("IP", 14), lpad("score", 14), lpad("expires", 30))
			}
			p.startBlock()
			left := ival7(exp - c.now.Unix())
			if r.JSON {
				p.value("IP", ip, true)
				p.valueEx("Since", date, left, true)
				p.num("Score", uint64(b.GetScore()), false)
			} else {
				fmt.Fprintf(w, "%s %14d %s (%s)\n", lpad(ip, 14), b.GetScore(), lpad(date, 30), left)
			}
		} else {
			if i == 0 && !r.JSON {
				fmt.Fprintf(w, "%s %s\n", lpad("IP", 14), lpad("score", 14))
			}
			p.startBlock()
			if r.JSON {
				p.value("IP", ip, true)
				p.num("Score", uint64(b.GetScore()), false)
			} else {
				fmt.Fprintf(w, "%s %14d\n", lpad(ip, 14), b.GetScore())
			}
		}
		p.endBlock(i < len(infos)-1)
		ips = append(ips, ip)
	}
	p.endArray()
	return ips
}
