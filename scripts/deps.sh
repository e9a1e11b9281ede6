#!/usr/bin/env bash
# Installs the Debian packages that building and testing ocserv-go need,
# when they are missing. Go itself is expected on PATH (or in /usr/local/go).
# Needs root (or sudo) only when something must be installed.
set -euo pipefail

# Build: cgo for libcrypt (crypt_r), PAM and libseccomp.
build_pkgs=(gcc make pkg-config libcrypt-dev libpam0g-dev libseccomp-dev)
# Tests: every program a test runs comes from scripts/test-programs.txt
# (program and Debian package per line; tests/programs fails when a test
# runs a program that is not listed there). Besides those programs the
# tests need files from: ca-certificates, libpam-modules (pam_unix for
# tests/e2e/auth_pam_test.go), libradcli4 (/etc/radcli/dictionary for
# tests/e2e/auth_radius_test.go), libnss-wrapper (libnss_wrapper.so,
# preloaded by tests/e2e/auth_nss_test.go and the unit tests of
# internal/auth/nss and internal/auth/pam).
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t listed_pkgs < <(awk '!/^[[:space:]]*(#|$)/ && $2 != "-" {print $2}' "$here/test-programs.txt" | sort -u)
test_pkgs=("${listed_pkgs[@]}" ca-certificates libpam-modules libradcli4 libnss-wrapper)

want=("${build_pkgs[@]}")
if [ "${1:-}" != "--build-only" ]; then
	want+=("${test_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -eq 0 ]; then
	echo "deps: all packages present"
	exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# The Debian ocserv package may try to start its service; there is no init
# to start it under in a container, and we never want it running anyway.
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
# If an init system did start the packaged ocserv, stop it: tests start
# their own servers in their own namespaces and need port 443 free nowhere
# else, but a stray root daemon is not something a test run should leave.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet ocserv 2>/dev/null; then
	$SUDO systemctl stop ocserv || true
	$SUDO systemctl disable ocserv || true
fi
