#!/usr/bin/env bash
# Benchmarks: Go micro-benchmarks (go test -bench), then the side-by-side
# harness shared/bench/vpnbench with the real ocserv (A) and ocserv-go (B).
# Figures are medians and ratios B/A; see docs/performance.md.
#
#   make bench                        # as root; every vpnbench scenario:
#                                     # throughput-cstp, throughput-dtls,
#                                     # connect-latency, auth-rate,
#                                     # memory-per-client, storm
#   GO_BENCH=0 VPNBENCH_ARGS="--runs 3 --scenario throughput-dtls" make bench
#   VPNBENCH_ARGS="--runs 5" make bench
#   VPNBENCH_ARGS="--runs 1 --scenario throughput-cstp,connect-latency,memory-per-client --clients 20" make bench
#   VPNBENCH=/path/to/vpnbench make bench
#   GO_BENCH=0 make bench             # skip the Go micro-benchmarks
#
# Before the harness runs, a preflight checks that build/ocserv and
# build/ocserv-worker (which ocserv execs from beside itself) exist and that
# both servers accept the configuration vpnbench generates (`ocserv -t`),
# with that configuration taken from the vpnbench script itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
export GOFLAGS="${GOFLAGS:--buildvcs=false}"

REAL=/usr/sbin/ocserv
OURS="$PWD/build/ocserv"

if [ "${GO_BENCH:-1}" != 0 ]; then
	echo "== go test -bench"
	go test -run='^$' -bench=. -benchmem ./...
fi

VPNBENCH="${VPNBENCH:-../shared/bench/vpnbench}"
if [ ! -e "$VPNBENCH" ]; then
	echo "bench: vpnbench not found at $VPNBENCH (set VPNBENCH=)" >&2
	exit 1
fi
VB=("$VPNBENCH")
[ -x "$VPNBENCH" ] || VB=(bash "$VPNBENCH")
if [ "$(id -u)" -ne 0 ]; then
	echo "bench: vpnbench needs root (network namespaces)" >&2
	exit 1
fi
for p in iperf3 jq certtool; do command -v "$p" >/dev/null || scripts/deps.sh; done

# --- preflight: our binaries, and vpnbench's config accepted by both -t ---
for b in "$OURS" "$PWD/build/ocserv-worker" "$REAL"; do
	if [ ! -x "$b" ]; then
		echo "bench: $b is missing or not executable (run make build)" >&2
		exit 1
	fi
done
pre=$(mktemp -d "${TMPDIR:-/tmp}/ocbench-pre.XXXXXX")
trap 'rm -rf "$pre"' EXIT
mkdir -p "$pre/pki" "$pre/run"
cat >"$pre/pki/server.tmpl" <<EOF
cn = "10.213.0.1"
ip_address = "10.213.0.1"
serial = 2
expiration_days = 30
signing_key
encryption_key
tls_www_server
EOF
certtool --generate-privkey --key-type rsa --bits 2048 --outfile "$pre/pki/server-key.pem" >/dev/null 2>&1
certtool --generate-self-signed --load-privkey "$pre/pki/server-key.pem" --template "$pre/pki/server.tmpl" \
	--outfile "$pre/pki/server-cert.pem" >/dev/null 2>&1
printf 'vbuser:*:%s\n' "$(openssl passwd -5 preflight-pw)" >"$pre/ocpasswd"
# The body of vpnbench's write_config heredoc, with its variables filled in.
body=$(sed -n '/^write_config()/,/^}/p' "$VPNBENCH" | sed -n '/<<-EOF/,/^[[:space:]]*EOF$/p' | sed '1d;$d' | sed 's/^[[:space:]]*//')
if [ -z "$body" ]; then
	echo "bench: cannot find the config template (write_config) in $VPNBENCH" >&2
	exit 1
fi
WORK="$pre" PASSWD="$pre/ocpasswd" PORT=443 ISOLATE=true POOL_NET=10.214.0.0 POOL_MASK=255.255.0.0 \
	bash -c "cat <<EOF
$body
EOF" >"$pre/ocserv.conf"
for b in "$REAL" "$OURS"; do
	if ! out=$("$b" -t -c "$pre/ocserv.conf" 2>&1); then
		echo "bench: $b -t refuses vpnbench's configuration:" >&2
		printf '%s\n' "$out" >&2
		exit 1
	fi
	echo "bench: $b -t accepts vpnbench's configuration"
done
echo "bench: B = $OURS ($("$OURS" --version 2>&1 | head -n 1)), worker $PWD/build/ocserv-worker"

mkdir -p build/bench
out="build/bench/vpnbench-$(date +%Y%m%d-%H%M%S).kv"
echo "== vpnbench: A = $REAL, B = $OURS (report: $out)"
# shellcheck disable=SC2086
"${VB[@]}" ${VPNBENCH_ARGS:-} --out "$out" -- "$REAL" -- "$OURS"
