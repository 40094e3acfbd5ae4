#!/usr/bin/env bash
# Shell baseline for bench/lab.mjs: builds the same network plane with one `ip` process per step,
# the way a hand-written lab script does. Reads the steps the harness planned, one per line:
#   DIR/root.txt      commands for the root namespace
#   DIR/sysctl-NS.txt "key=value" lines for namespace NS
#   DIR/ns-NS.txt     commands for namespace NS
# Lines are split into words with read -a (no eval, no globbing): they hold validated names and addresses.
set -euo pipefail
dir=$1
while read -ra words; do ip "${words[@]}"; done < "$dir/root.txt"
for f in "$dir"/sysctl-*.txt; do
  [ -e "$f" ] || continue
  ns=${f##*/sysctl-}; ns=${ns%.txt}
  while read -r kv; do ip netns exec "$ns" sysctl -q -w "$kv"; done < "$f"
done
for f in "$dir"/ns-*.txt; do
  ns=${f##*/ns-}; ns=${ns%.txt}
  while read -ra words; do ip -n "$ns" "${words[@]}"; done < "$f"
done
