#!/usr/bin/env bash
# Installs the Debian packages that building and testing ocserv-go need,
# when they are missing. Go itself is expected on PATH (or in /usr/local/go).
# Needs root (or sudo) only when something must be installed.
set -euo pipefail

# Build: cgo for libcrypt (crypt_r), PAM and libseccomp.
build_pkgs=(gcc make pkg-config libcrypt-dev libpam0g-dev libseccomp-dev)
# Tests: the real ocserv/ocpasswd/occtl as reference, the openconnect client,
# certtool, namespaces and traffic tools; useradd/chage and pam_unix for the
# PAM tests (tests/e2e/auth_pam_test.go); nftables for the UDP drop of
# tests/e2e/dtls2_fallback_test.go; freeradius for tests/e2e/auth_radius_test.go;
# haproxy for tests/e2e/listen_proxy_test.go.
# iptables (iptables, ip6tables and their -save tools) for /usr/bin/ocserv-fw
# and tests/e2e/net_fw_test.go.
# libradcli4 for /etc/radcli/dictionary (tests/e2e/auth_radius_test.go).
test_pkgs=(ocserv openconnect gnutls-bin iproute2 iputils-ping procps iperf3 jq openssl ca-certificates passwd libpam-modules nftables freeradius freeradius-utils haproxy iptables libradcli4)

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
