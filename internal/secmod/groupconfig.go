package secmod

import (
	"google.golang.org/protobuf/proto"

	"github.com/ocserv-go/ocserv/internal/config"
	"github.com/ocserv-go/ocserv/internal/ipc/ipcpb"
)

// fwProto maps a restrict-user-to-ports protocol to fw_port_st.proto.
var fwProto = map[config.Protocol]uint32{
	config.ProtoUDP: 0, config.ProtoTCP: 1, config.ProtoSCTP: 2,
	config.ProtoESP: 3, config.ProtoICMP: 4, config.ProtoICMPv6: 5,
}

func routeTexts(rs []config.Route) []string {
	if len(rs) == 0 {
		return nil
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Text
	}
	return out
}

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// groupConfig turns the merged session configuration into the complete
// GroupConfig main and the worker use. Every scalar is set (zero included);
// strings only when non-empty; routes are in stored form and empty for a
// full tunnel.
func groupConfig(ss *config.Session) *ipcpb.GroupConfig {
	gc := &ipcpb.GroupConfig{
		InterimUpdateSecs:    proto.Uint32(uint32(ss.StatsReportTime)),
		SessionTimeoutSecs:   proto.Uint32(uint32(ss.SessionTimeout)),
		NoUdp:                proto.Bool(ss.NoUDP),
		DenyRoaming:          proto.Bool(ss.DenyRoaming),
		Iroutes:              routeTexts(ss.Iroutes),
		NoRoutes:             routeTexts(ss.NoRoutes),
		Dns:                  append([]string(nil), ss.DNS...),
		Nbns:                 append([]string(nil), ss.NBNS...),
		SplitDns:             append([]string(nil), ss.SplitDNS...),
		Ipv6Prefix:           proto.Uint32(uint32(ss.IPv6Prefix)),
		Ipv6SubnetPrefix:     proto.Uint32(uint32(ss.IPv6SubnetPrefix)),
		RxPerSec:             proto.Uint32(uint32(ss.RxDataPerSec)),
		TxPerSec:             proto.Uint32(uint32(ss.TxDataPerSec)),
		NetPriority:          proto.Uint32(uint32(ss.NetPriority.Packed())),
		Dpd:                  proto.Uint32(uint32(ss.DPD)),
		MobileDpd:            proto.Uint32(uint32(ss.MobileDPD)),
		Keepalive:            proto.Uint32(uint32(ss.Keepalive)),
		MaxSameClients:       proto.Uint32(uint32(ss.MaxSameClients)),
		TunnelAllDns:         proto.Uint32(b2u(ss.TunnelAllDNS)),
		RestrictUserToRoutes: proto.Bool(ss.RestrictUserToRoutes),
		Mtu:                  proto.Uint32(uint32(ss.MTU)),
		IdleTimeout:          proto.Uint32(uint32(ss.IdleTimeout)),
		MobileIdleTimeout:    proto.Uint32(uint32(ss.MobileIdleTimeout)),
	}
	if !ss.FullTunnel {
		gc.Routes = routeTexts(ss.Routes)
	}
	for _, p := range []struct {
		dst **string
		v   string
	}{
		{&gc.Ipv4Net, ss.IPv4Network}, {&gc.Ipv4Netmask, ss.IPv4Netmask}, {&gc.Ipv6Net, ss.IPv6Network},
		{&gc.ExplicitIpv4, ss.ExplicitIPv4}, {&gc.ExplicitIpv6, ss.ExplicitIPv6},
		{&gc.Cgroup, ss.CGroup}, {&gc.XmlConfigFile, ss.UserProfile}, {&gc.Hostname, ss.Hostname},
	} {
		if p.v != "" {
			*p.dst = proto.String(p.v)
		}
	}
	for _, r := range ss.Ports {
		gc.FwPorts = append(gc.FwPorts, &ipcpb.FwPort{
			Port: proto.Uint32(uint32(r.Port)), Proto: proto.Uint32(fwProto[r.Proto]), Negate: proto.Uint32(b2u(r.Negate)),
		})
	}
	return gc
}
