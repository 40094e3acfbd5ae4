#!/usr/bin/env bash
# The quick-start demo: the post's lab through its failure scenarios, with a report in runs/demo/.
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
node dist/harness/cli.js demo --out runs/demo "$@"
