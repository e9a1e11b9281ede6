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
# Every FuzzXxx in a _test.go file runs for a fixed time; a crash fails the
# run and Go saves the input under the package's testdata/fuzz/FuzzXxx/.
# Go's fuzzing coordinator sometimes ends a run that found nothing with
# "context deadline exceeded" when -fuzztime expires while it is busy
# (minimizing or exchanging a new corpus entry with a worker). Such a run
# saved no failing input; it is run again (twice at most). A run that
# reports a failing input, or fails for any other reason, fails the suite.
# -fuzzminimizetime=0 keeps those busy moments short.
fuzz_one() {
	local name=$1 pkg=$2 out try
	for try in 1 2 3; do
		if out=$(go test -run='^$' -fuzz="^${name}\$" -fuzztime="$FUZZTIME" -fuzzminimizetime=0 "$pkg" 2>&1); then
			printf '%s\n' "$out"
			return 0
		fi
		printf '%s\n' "$out"
		if grep -q 'Failing input written to\|testdata/fuzz/' <<<"$out" || ! grep -q 'context deadline exceeded' <<<"$out"; then
			return 1
		fi
		echo "--- $name: the fuzzing coordinator timed out without a failing input (try $try); running it again"
	done
	return 1
}
while IFS= read -r line; do
	file=${line%%:*}
	name=$(sed -E 's/^.*func (Fuzz[A-Za-z0-9_]*)\(.*$/\1/' <<<"$line")
	pkg="./$(dirname "${file#./}")"
	echo "--- $name in $pkg"
	fuzz_one "$name" "$pkg"
done < <(grep -rn --include='*_test.go' -E '^func Fuzz[A-Za-z0-9_]*\(' . | grep -v '^./build/' | sort)

step "race detector (the worker's data path)"
go test -race -count=1 ./internal/worker/ ./internal/cstp/ ./internal/dtlsx/ ./internal/dtls09/

step "unit and end-to-end tests"
go test -count=1 -timeout 20m ./...
