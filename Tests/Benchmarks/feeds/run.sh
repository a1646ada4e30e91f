#!/usr/bin/env bash
# Feed parsing throughput: the Swift parser (release build of feed-bench) and Python's feedparser
# side by side on the same generated multi-MB RSS and Atom files. The two take turns for --runs
# rounds on one core (each round: three Swift parses of each file, their median, then one feedparser
# parse of each), as the classifier benchmark does: a shared machine's speed drifts by several per
# cent within a minute, and turns let both see the same drift. The ratio is that of the medians.
#
# Usage: Tests/Benchmarks/feeds/run.sh [--items N] [--runs R] [--non-ascii-share P] [--bin PATH-TO-feed-bench]
#   --non-ascii-share  share of words with a non-ASCII character (default 0.03; see generate_feeds.py)
#   --bin              use an already built release feed-bench instead of `swift build -c release --product feed-bench`
# Writes var/bench/feeds/large.{rss,atom} (git-ignored), a feedparser venv in var/bench/feedparser-venv,
# and the raw figures in var/bench/feeds-swift.jsonl and var/bench/feeds-python.jsonl.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
here="$root/Tests/Benchmarks/feeds"
cd "$root"
items=6000
runs=7
share=0.03
bin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --items) items=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --non-ascii-share) share=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    *) echo "unknown option $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
out="$root/var/bench"
data="$out/feeds"
venv="$out/feedparser-venv"
mkdir -p "$data"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "feedparser==6.0.11"
"$venv/bin/python" "$here/generate_feeds.py" "$data" --items "$items" --non-ascii-share "$share"
if [ -z "$bin" ]; then
  swift build -c release --product feed-bench >&2
  bin="$(swift build -c release --show-bin-path)/feed-bench"
fi
# One core for both: taskset when the machine has it.
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi
echo "== Swift (FeedParsing.FeedParser over libxml2 SAX) and Python's feedparser taking turns, $runs rounds after a warm-up each"
: > "$out/feeds-swift.jsonl"
: > "$out/feeds-python.jsonl"
for round in $(seq 1 "$runs"); do
  "${pin[@]}" "$bin" "$data/large.rss" "$data/large.atom" --runs 3 --json >> "$out/feeds-swift.jsonl"
  "${pin[@]}" "$venv/bin/python" "$here/bench_feedparser.py" "$data/large.rss" "$data/large.atom" --runs 1 --json >> "$out/feeds-python.jsonl"
done
echo "== Side by side (medians of the rounds)"
"$venv/bin/python" "$here/compare.py" "$out/feeds-swift.jsonl" "$out/feeds-python.jsonl" --goal 50
