#!/usr/bin/env bash
# Debian/Ubuntu packages a lab needs. Run as root. Daemons are not started in the root namespace:
# labs start their own copies inside namespaces.
set -euo pipefail
# chromium: the report test renders report.html headless.
packages=(iproute2 keepalived nginx libnginx-mod-stream postgresql tcpdump nftables curl procps util-linux chromium)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
# policy-rc.d 101 keeps package scripts from starting nginx/PostgreSQL on the host.
policy=/usr/sbin/policy-rc.d
ours=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy" && ours=1
fi
trap '[ -n "$ours" ] && rm -f "$policy"' EXIT
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
