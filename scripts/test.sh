#!/usr/bin/env bash
# The whole test suite of ocserv-go, as CI runs it (.ci/run calls this).
#
#   sudo scripts/test.sh            # everything: deps, vet, unit, fuzz, e2e
#   FUZZTIME=30s scripts/test.sh    # longer fuzzing
#
# Installs its own Debian packages when they are missing (scripts/deps.sh).
# The end-to-end tests in tests/ need root: they create network namespaces.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
export GOFLAGS="${GOFLAGS:--buildvcs=false}"
export CGO_ENABLED=1
FUZZTIME="${FUZZTIME:-10s}"

step() { printf '\n=== %s\n' "$*"; }

step "dependencies"
scripts/deps.sh

step "build"
make build

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './build/*'))
if [ -n "$unformatted" ]; then
	echo "gofmt: these files need formatting:"; echo "$unformatted"; exit 1
fi

step "go vet"
go vet ./...

step "fuzz targets (${FUZZTIME} each)"
# Every FuzzXxx in a _test.go file runs for a fixed time; a crash fails the run.
# -fuzzminimizetime=0: Go reports "context deadline exceeded" as a failure
# when -fuzztime ends while it is minimizing a new corpus entry (which may
# take up to a minute); a crashing input is still saved under testdata/.
while IFS= read -r line; do
	file=${line%%:*}
	name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]*)\(.*$/\1/' <<<"$line")
	pkg="./$(dirname "${file#./}")"
	echo "--- $name in $pkg"
	go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=0 "$pkg"
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | grep -v '^./build/' | sort)

step "unit and end-to-end tests"
go test -count=1 -timeout 20m ./...
