#!/usr/bin/env bash
# Classifier throughput: Swift full classification (release build, one core) beside Python's
# flashtext doing only the gazetteer lookup, over the same names and the same headlines.
# Goal: Swift at least 3 times flashtext's rate.
# The two take turns, round after round (a shared virtual machine's speed drifts by several per
# cent from second to second); the ratio is that of the medians.
# Usage: Tests/Benchmarks/classifier/run.sh [--seconds S] [--rounds N]   (flashtext goes into var/classifier-bench-venv)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"
seconds=2
rounds=5
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    *) echo "usage: $0 [--seconds S] [--rounds N]" >&2; exit 2 ;;
  esac
done

mkdir -p var
venv=var/classifier-bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "flashtext==2.7"

headlines=var/classifier-bench-headlines.jsonl
cat Tests/ClassifierTests/Fixtures/devset.jsonl Tests/ClassifierTests/Fixtures/holdout.jsonl > "$headlines"
names=var/classifier-bench-names.txt

# Linked the way Deploy/Dockerfile links the binary it ships: the Swift runtime static, so the
# calls into it (retain, release, allocation) are direct instead of through the dynamic linker's table.
swift build -c release --static-swift-stdlib --product classifier-bench >/dev/null
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
# One core for both: taskset when the machine has it.
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi

"$bin/classifier-bench" --export-names "$names" >/dev/null
swift_rates=()
python_rates=()
for round in $(seq "$rounds"); do
  "${pin[@]}" "$bin/classifier-bench" --headlines "$headlines" --seconds "$seconds" > var/bench-classifier-swift.txt
  "${pin[@]}" "$venv/bin/python" Tests/Benchmarks/classifier/bench_flashtext.py --names "$names" --headlines "$headlines" --seconds "$seconds" > var/bench-classifier-flashtext.txt
  swift_rates+=("$(sed -n 's/^swift full classification: \([0-9]*\) headlines.*/\1/p' var/bench-classifier-swift.txt)")
  python_rates+=("$(sed -n 's/^flashtext gazetteer lookup: \([0-9]*\) headlines.*/\1/p' var/bench-classifier-flashtext.txt)")
  echo "round $round: swift ${swift_rates[-1]} headlines/s (full classification), flashtext ${python_rates[-1]} headlines/s (gazetteer lookup only)"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
swift_rate=$(median "${swift_rates[@]}")
python_rate=$(median "${python_rates[@]}")
ratio=$(awk -v s="$swift_rate" -v p="$python_rate" 'BEGIN { printf "%.2f", s / p }')
grep -E '^(load|classifier):' var/bench-classifier-swift.txt
grep -E '^flashtext load' var/bench-classifier-flashtext.txt
echo "== medians of $rounds rounds of ${seconds} s: swift ${swift_rate} headlines/s, flashtext ${python_rate} headlines/s, ratio ${ratio}x (goal >= 3x)"
