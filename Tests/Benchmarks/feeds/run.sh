#!/usr/bin/env bash
# Feed parsing throughput: the Swift parser (release build) and Python's feedparser
# side by side on the same generated multi-MB RSS and Atom files.
# Usage: Tests/Benchmarks/feeds/run.sh [--items N] [--runs R]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"
items=6000
runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --items) items=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
data="$root/var/bench/feeds"
venv="$root/var/bench/feedparser-venv"
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "feedparser==6.0.11"
"$venv/bin/python" Tests/Benchmarks/feeds/generate_feeds.py "$data" --items "$items"
swift build -c release --product newsflash-bench >/dev/null
echo "== Swift (Ingest.FeedParser, libxml2)"
.build/release/newsflash-bench feeds "$data/large.rss" "$data/large.atom" --runs "$runs" | tee var/bench/feeds-swift.txt
echo "== Python (feedparser)"
"$venv/bin/python" Tests/Benchmarks/feeds/bench_feedparser.py "$data/large.rss" "$data/large.atom" --runs "$runs" | tee var/bench/feeds-python.txt
python3 - var/bench/feeds-swift.txt var/bench/feeds-python.txt <<'PY'
import re, sys
def rates(path):
    return {m.group(1): float(m.group(2)) for m in re.finditer(r"(large\.\w+): \d+ items, (\d+) items/s", open(path).read())}
swift, python = rates(sys.argv[1]), rates(sys.argv[2])
for name in swift:
    print(f"ratio {name}: swift/feedparser = {swift[name] / python[name]:.1f}x")
PY
