#!/usr/bin/env bash
# The quick-start demo: build the post's lab, send one HTTP request through the WAN VIP, tear it down.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  # Labs create network namespaces: root is needed. Ask sudo where there is one.
  command -v sudo >/dev/null && exec sudo --preserve-env=PATH bash "$0" "$@"
  echo "demo: run as root: labs create network namespaces and start daemons in them" >&2
  exit 2
fi
bash scripts/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
[ -f dist/harness/cli.js ] || npm run build
harness() { node dist/harness/cli.js "$@"; }

trap 'harness down post >/dev/null 2>&1 || true' EXIT
harness up topologies/post.yaml
echo
echo '$ harness exec post client -- curl -s http://203.0.113.140/'
harness exec post client -- curl -s http://203.0.113.140/
echo
harness down post
trap - EXIT
