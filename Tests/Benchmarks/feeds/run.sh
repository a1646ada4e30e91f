#!/usr/bin/env bash
# Feed parsing throughput: the Swift parser (release build of feed-bench) and Python's feedparser
# side by side on the same generated multi-MB RSS and Atom files; medians of --runs runs each.
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
echo "== Swift (FeedParsing.FeedParser over libxml2 SAX), $runs runs after a warm-up"
"$bin" "$data/large.rss" "$data/large.atom" --runs "$runs"
"$bin" "$data/large.rss" "$data/large.atom" --runs "$runs" --json > "$out/feeds-swift.jsonl"
echo "== Python (feedparser), $runs runs after a warm-up"
"$venv/bin/python" "$here/bench_feedparser.py" "$data/large.rss" "$data/large.atom" --runs "$runs" --json | tee "$out/feeds-python.jsonl"
echo "== Side by side (medians)"
"$venv/bin/python" "$here/compare.py" "$out/feeds-swift.jsonl" "$out/feeds-python.jsonl" --goal 50
