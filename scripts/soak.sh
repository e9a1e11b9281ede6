#!/usr/bin/env bash
# The soak test of ocserv-go (not part of CI; see docs/reliability.md):
# connect/disconnect cycles and concurrent sessions with traffic against
# the real ocserv 1.1.6 and ours in the namespace rig, recording main's and
# sec-mod's memory, fds and threads. Needs root (network namespaces).
#
#   sudo make soak                                   # full run (defaults below)
#   sudo OCSERV_SOAK_CYCLES=50 OCSERV_SOAK_SESSIONS=20 \
#        OCSERV_SOAK_DURATION=1m make soak           # smoke run
#   sudo OCSERV_E2E_SERVERS=ours make soak           # ours only
#
# Knobs (environment): OCSERV_SOAK_CYCLES [1000], OCSERV_SOAK_SESSIONS [200],
# OCSERV_SOAK_PARALLEL [8], OCSERV_SOAK_DURATION [10m], OCSERV_SOAK_SAMPLE
# [10s], OCSERV_SOAK_OUT [build/soak]: <server>.csv time series and
# summary.md (the results table).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export OCSERV_SOAK=1
if [ "$(id -u)" != 0 ]; then
	echo "soak: needs root (creates network namespaces)" >&2
	exit 1
fi
out="${OCSERV_SOAK_OUT:-build/soak}"
mkdir -p "$out"
export OCSERV_SOAK_OUT="$(cd "$out" && pwd)"
# The bound covers both servers' runs with the default knobs.
go test -tags soak -count=1 -timeout "${OCSERV_SOAK_TIMEOUT:-4h}" -v -run '^TestSoak$' ./tests/soak/ 2>&1 |
	tee "$OCSERV_SOAK_OUT/soak.log"
status=${PIPESTATUS[0]}
echo "soak: results in $OCSERV_SOAK_OUT (summary.md, <server>.csv, soak.log)"
exit "$status"
