#!/usr/bin/env bash
# Issue 11's layer-3 comparison, by hand (bench/README.md, "layer3"): OpenSAG's layer 3 over UDP and TLS beside
# OpenVPN 2.6, wireguard-go and ocserv + openconnect, the routed path and OpenSAG's stream forward, in network
# namespaces of its own (about 20 minutes on 2 cores). Needs root. Installs the peers from Debian when they are
# missing (CI does not: its smoke run measures only the routed path and OpenSAG over UDP). Extra arguments go to the
# bench, e.g. --layer3-seconds 5 --layer3-rounds 1 --layer3-paths routed,openvpn,opensag-udp.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
[ "$(id -u)" -eq 0 ] || { echo "layer3.sh: needs root (network namespaces and TUN interfaces)" >&2; exit 1; }

has() { command -v "$1" >/dev/null || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }
need=()
has ip || need+=(iproute2)
has iperf3 || need+=(iperf3)
has ping || need+=(iputils-ping)
has openvpn || need+=(openvpn)
has wireguard-go || need+=(wireguard-go)
has wg || need+=(wireguard-tools)
has ocserv || need+=(ocserv)
has openconnect || need+=(openconnect)
if [ "${#need[@]}" -gt 0 ]; then
  echo "layer3.sh: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
  # On a systemd machine Debian starts the packaged ocserv (port 443) on install; the bench runs its own servers
  # inside its namespaces, so the service it just started is stopped again.
  if [[ " ${need[*]} " == *" ocserv "* ]] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now ocserv.service ocserv.socket >/dev/null 2>&1 || true
  fi
fi

dotnet build -c Release src/OpenSag/OpenSag.csproj -nologo -v q
dotnet build -c Release bench/OpenSag.Bench/OpenSag.Bench.csproj -nologo -v q
exec dotnet bench/OpenSag.Bench/bin/Release/net10.0/OpenSag.Bench.dll --scenario layer3 "$@"
