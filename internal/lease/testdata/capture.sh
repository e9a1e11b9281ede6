#!/bin/bash
# Capture what the real ocserv 1.1.6 assigns (leases) and exports to its
# hook scripts, for the golden tests of internal/lease and
# internal/scriptenv. Run as root; it creates two private network
# namespaces joined by a veth pair, runs /usr/sbin/ocserv in one and
# openconnect clients in the other, and removes everything at the end.
#
# usage: capture.sh OUTDIR
# The defaults produce ocserv-1.1.6-leases.txt and the script env dumps;
# ocserv-1.1.6-collisions.txt came from
#   POOL4=192.168.50.0 POOL6=fd00:50::/120 EXTRA_USERS="c7 c15 c3 c45 c41 c46 c25 c40" \
#   ONLY= HOLD="c7 c15 c3 c45 c41 c46 c25 c40" capture.sh OUTDIR
set -u
OUT=${1:?outdir}
W=$(mktemp -d /tmp/lease-cap.XXXXXX)
SRV=lcap-srv-$$ CLI=lcap-cli-$$
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	sleep 1
	[ -f "$W/ocserv.pid" ] && kill "$(cat "$W/ocserv.pid")" 2>/dev/null
	[ -n "${OCPID:-}" ] && kill "$OCPID" 2>/dev/null
	sleep 1
	ip netns del "$SRV" 2>/dev/null
	ip netns del "$CLI" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
mkdir -p "$OUT" "$W/env" "$W/users" "$W/cli"; chmod 0755 "$W"
chmod 0777 "$W/env"

ip netns add "$SRV"; ip netns add "$CLI"
ip link add lcs$$ type veth peer name lcc$$
ip link set lcs$$ netns "$SRV"; ip link set lcc$$ netns "$CLI"
ip -n "$SRV" addr add 10.231.0.1/24 dev lcs$$; ip -n "$SRV" link set lcs$$ up; ip -n "$SRV" link set lo up
ip -n "$CLI" addr add 10.231.0.2/24 dev lcc$$; ip -n "$CLI" link set lcc$$ up; ip -n "$CLI" link set lo up

cat >"$W/ca.tmpl" <<T
cn = "lease capture CA"
serial = 1
expiration_days = 30
ca
cert_signing_key
T
cat >"$W/srv.tmpl" <<T
cn = "10.231.0.1"
serial = 2
expiration_days = 30
ip_address = "10.231.0.1"
signing_key
encryption_key
tls_www_server
T
certtool --generate-privkey --key-type=ecdsa --outfile "$W/ca-key.pem" 2>/dev/null
certtool --generate-self-signed --load-privkey "$W/ca-key.pem" --template "$W/ca.tmpl" --outfile "$W/ca.pem" 2>/dev/null
certtool --generate-privkey --key-type=ecdsa --outfile "$W/key.pem" 2>/dev/null
certtool --generate-certificate --load-privkey "$W/key.pem" --load-ca-certificate "$W/ca.pem" \
	--load-ca-privkey "$W/ca-key.pem" --template "$W/srv.tmpl" --outfile "$W/cert.pem" 2>/dev/null

USERS="alice bob carol dave eve user1 user2 user3 user4 user5 u1 u2 u3 u4 u5 u6 ${EXTRA_USERS:-}"
for u in $USERS; do
	g=""
	case $u in bob) g="-g admins";; carol) g="-g ops,dev";; esac
	printf 'pw\npw\n' | ocpasswd -c "$W/passwd" $g "$u"
done
# dave: explicit addresses; eve: own small pool.
printf 'explicit-ipv4 = 192.168.99.200\nexplicit-ipv6 = fda9:4efe:7e3b::abcd\n' >"$W/users/dave"
printf 'ipv4-network = 10.77.0.0\nipv4-netmask = 255.255.255.0\nroute = 10.30.0.0/16\ndns = 10.30.0.53\n' >"$W/users/eve"
# u1..u6: a tiny /29 pool held concurrently -> collisions.
for u in u1 u2 u3 u4 u5 u6; do
	printf 'ipv4-network = 10.88.0.0\nipv4-netmask = 255.255.255.248\n' >"$W/users/$u"
done

cat >"$W/hook.sh" <<'H'
#!/bin/sh
env | sort >"ENVDIR/$REASON-$USERNAME-$ID"
exit 0
H
sed -i "s#ENVDIR#$W/env#" "$W/hook.sh"; chmod 0755 "$W/hook.sh"

cat >"$W/ocserv.conf" <<C
auth = "plain[passwd=$W/passwd]"
listen-host = 10.231.0.1
tcp-port = 4443
udp-port = 4443
run-as-user = nobody
run-as-group = nogroup
socket-file = $W/ocserv.sock
occtl-socket-file = $W/occtl.sock
use-occtl = true
pid-file = $W/ocserv.pid
server-cert = $W/cert.pem
server-key = $W/key.pem
isolate-workers = false
max-clients = 32
max-same-clients = 0
keepalive = 300
dpd = 60
try-mtu-discovery = false
cookie-timeout = 300
use-utmp = false
device = vpns
predictable-ips = true
ping-leases = false
ipv4-network = ${POOL4:-192.168.99.0}
ipv4-netmask = ${MASK4:-255.255.255.0}
ipv6-network = ${POOL6:-fda9:4efe:7e3b::/48}
ipv6-subnet-prefix = 128
dns = 10.20.0.53
dns = fd00:1234::53
route = 10.20.0.0/255.255.0.0
route = fd00:1234::/64
no-route = 10.20.5.0/24
config-per-user = $W/users/
connect-script = $W/hook.sh
disconnect-script = $W/hook.sh
host-update-script = $W/hook.sh
C

ip netns exec "$SRV" /usr/sbin/ocserv -f -d 1 -c "$W/ocserv.conf" >"$W/ocserv.log" 2>&1 &
OCPID=$!
sleep 2

cat >"$W/ocscript.sh" <<'S'
#!/bin/sh
echo "$reason $INTERNAL_IP4_ADDRESS $INTERNAL_IP4_NETMASK $INTERNAL_IP6_ADDRESS $INTERNAL_IP6_NETMASK" >>"$OCLOG"
exit 0
S
chmod 0755 "$W/ocscript.sh"

# connect USER [hold]: start a client; with hold, leave it running.
connect() {
	local u=$1
	echo pw | OCLOG="$W/cli/$u" timeout 60 ip netns exec "$CLI" openconnect --passwd-on-stdin --user="$u" \
		--cafile "$W/ca.pem" --script "$W/ocscript.sh" --local-hostname "host-$u" \
		--non-inter https://10.231.0.1:4443/ >"$W/cli/$u.log" 2>&1 &
	local p=$!
	for i in $(seq 1 40); do
		grep -q '^connect' "$W/cli/$u" 2>/dev/null && break
		sleep 0.25
	done
	sleep 1.5   # let DTLS come up (host-update)
	if [ "${2:-}" = hold ]; then PIDS+=("$p"); else kill "$p"; wait "$p" 2>/dev/null; sleep 0.5; fi
}

for u in ${ONLY-alice bob carol dave eve user1 user2 user3 user4 user5}; do connect "$u"; done
for u in ${HOLD-u1 u2 u3 u4 u5 u6}; do connect "$u" hold; done
for p in "${PIDS[@]}"; do kill "$p"; wait "$p" 2>/dev/null; done
PIDS=()
sleep 1
for u in $USERS; do [ -f "$W/cli/$u.log" ] || continue; echo "$u $(grep '^connect' "$W/cli/$u" 2>/dev/null | head -1)"; done >"$OUT/leases.txt"
cp -r "$W/env" "$OUT/env"
cp "$W/ocserv.log" "$OUT/ocserv.log"; cp -r "$W/cli" "$OUT/cli"
cat "$OUT/leases.txt"
