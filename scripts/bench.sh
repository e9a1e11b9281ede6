#!/usr/bin/env bash
# Benchmarks: Go micro-benchmarks (go test -bench), then the side-by-side
# harness shared/bench/vpnbench with the real ocserv (A) and ocserv-go (B).
# Figures are ratios B/A from one run; see docs/performance.md.
#
#   make bench                        # as root
#   VPNBENCH_ARGS="--runs 5" make bench
#   VPNBENCH=/path/to/vpnbench make bench
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

echo "== go test -bench"
go test -run='^$' -bench=. -benchmem ./...

VPNBENCH="${VPNBENCH:-../shared/bench/vpnbench}"
if [ ! -x "$VPNBENCH" ] && [ -f "$VPNBENCH" ]; then
	VPNBENCH="bash $VPNBENCH"
elif [ ! -e "$VPNBENCH" ]; then
	echo "bench: vpnbench not found at $VPNBENCH (set VPNBENCH=)" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: vpnbench needs root (network namespaces)" >&2
	exit 1
fi
apt_needed=(iperf3 jq)
for p in "${apt_needed[@]}"; do command -v "$p" >/dev/null || scripts/deps.sh; done

# The harness starts each server as `SERVER -f -c CONFIG`; ours must find
# ocserv-worker beside itself, which build/ provides.
mkdir -p build/bench
out="build/bench/vpnbench-$(date +%Y%m%d-%H%M%S).kv"
echo "== vpnbench: A = /usr/sbin/ocserv, B = build/ocserv (report: $out)"
# shellcheck disable=SC2086
$VPNBENCH ${VPNBENCH_ARGS:-} --out "$out" -- /usr/sbin/ocserv -- "$PWD/build/ocserv"
