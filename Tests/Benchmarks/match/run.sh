#!/usr/bin/env bash
# Subscription matching (issue #5): match-bench in a release build, pinned to one core, over
# 1,000,000 generated subscriptions (the filter mix is in `match-bench --help`), --runs runs;
# prints the medians and the goal checks: at least 20,000 items/s through the index (the set of
# matching filters, each standing for its subscribers) with under 2 GB peak resident memory. Also
# printed: the rate when every matched subscription is listed with its terms (the fan-out), and
# the linear scan (every filter evaluated per item) for comparison.
#
# Usage: Tests/Benchmarks/match/run.sh [--runs R] [--subscriptions N] [--seconds S] [--bin PATH] [-- match-bench options]
#   --bin  use an already built release match-bench instead of `swift build -c release --product match-bench`
# Writes each run's output to var/bench/match/run-<n>.txt (git-ignored).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"
runs=3
subscriptions=1000000
seconds=5
bin=""
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --subscriptions) subscriptions=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --) shift; extra=("$@"); break ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
out="$root/var/bench/match"
mkdir -p "$out"
rm -f "$out"/run-*.txt
if [ -z "$bin" ]; then
  swift build -c release --product match-bench >&2
  bin="$(swift build -c release --show-bin-path)/match-bench"
fi
# One core: taskset when the machine has it.
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi

for run in $(seq 1 "$runs"); do
  echo "== run $run of $runs"
  "${pin[@]}" "$bin" --subscriptions "$subscriptions" --seconds "$seconds" "${extra[@]}" | tee "$out/run-$run.txt"
done

# The median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
figure() { sed -n "s|$1|\\1|p" "$out"/run-*.txt | median; }
index_rate=$(figure '^match index: \([0-9]*\) items/s.*')
candidates=$(figure '^match index: .* items/s, \([0-9.]*\) candidates/item.*')
matches=$(figure '^match index: .* candidates/item, \([0-9.]*\) matches/item.*')
filters=$(figure '^match index: .* matches/item in \([0-9.]*\) distinct filters.*')
fanout_rate=$(figure '^with fan-out: \([0-9]*\) items/s.*')
linear_rate=$(figure '^linear scan: \([0-9.]*\) items/s.*')
rss=$(figure '^peak RSS: \([0-9]*\) MB.*')
build=$(figure '^index build: \([0-9.]*\) s.*')
echo "== medians of $runs runs, $subscriptions subscriptions"
echo "match index: $index_rate items/s ($candidates candidates/item, $matches matches/item in $filters distinct filters)"
echo "with fan-out: $fanout_rate items/s (every matched subscription listed with its terms)"
echo "linear scan: $linear_rate items/s"
echo "peak RSS: $rss MB"
echo "index build: $build s"
verdict() { if [ "$1" = 1 ]; then echo "met"; else echo "NOT met"; fi; }
echo "goal items/s >= 20000: $(verdict "$(awk -v r="$index_rate" 'BEGIN { print (r + 0 >= 20000) }')")"
echo "goal peak RSS < 2000 MB: $(verdict "$(awk -v m="$rss" 'BEGIN { print (m + 0 < 2000) }')")"
