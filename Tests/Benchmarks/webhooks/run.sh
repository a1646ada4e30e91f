#!/usr/bin/env bash
# Signed webhook deliveries per second (release build) through the notifier's delivery path to a
# local keep-alive receiver process that verifies every signature. Goal: at least 10,000/s.
# Usage: Tests/Benchmarks/webhooks/run.sh [--runs 3] [--seconds 10] [other newsflash-bench webhooks options]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"
runs=3
args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
export LD_LIBRARY_PATH="$root/.local/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
swift build -c release --product newsflash-bench >/dev/null
mkdir -p var
rates=()
for ((run = 1; run <= runs; run++)); do
  .build/release/newsflash-bench webhooks "${args[@]}" | tee "var/bench-webhooks-$run.txt"
  rates+=("$(sed -n 's/^webhook deliveries: \([0-9]*\) per second.*/\1/p' "var/bench-webhooks-$run.txt")")
done
median=$(printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "== median of $runs: $median signed deliveries/s (goal >= 10000)"
