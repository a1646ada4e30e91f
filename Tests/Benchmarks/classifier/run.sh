#!/usr/bin/env bash
# Classifier throughput: Swift full classification (release build, one core) beside Python's
# flashtext doing only the gazetteer lookup, over the same names and the same headlines.
# Goal: Swift at least 3 times flashtext's rate.
# Usage: Tests/Benchmarks/classifier/run.sh [--seconds S]   (flashtext goes into var/classifier-bench-venv)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"
seconds=3
if [ "${1:-}" = "--seconds" ] && [ -n "${2:-}" ]; then seconds=$2; fi

mkdir -p var
venv=var/classifier-bench-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "flashtext==2.7"

headlines=var/classifier-bench-headlines.jsonl
cat Tests/ClassifierTests/Fixtures/devset.jsonl Tests/ClassifierTests/Fixtures/holdout.jsonl > "$headlines"
names=var/classifier-bench-names.txt

swift build -c release --product classifier-bench >/dev/null
bin=$(swift build -c release --show-bin-path)
# One core for both: taskset when the machine has it.
pin=()
if command -v taskset >/dev/null 2>&1; then pin=(taskset -c 0); fi

echo "== Swift (full classification)"
"${pin[@]}" "$bin/classifier-bench" --headlines "$headlines" --seconds "$seconds" --export-names "$names" | tee var/bench-classifier-swift.txt
echo "== Python flashtext (gazetteer lookup only)"
"${pin[@]}" "$venv/bin/python" Tests/Benchmarks/classifier/bench_flashtext.py --names "$names" --headlines "$headlines" --seconds "$seconds" | tee var/bench-classifier-flashtext.txt

swift_rate=$(sed -n 's/^swift full classification: \([0-9]*\) headlines.*/\1/p' var/bench-classifier-swift.txt)
python_rate=$(sed -n 's/^flashtext gazetteer lookup: \([0-9]*\) headlines.*/\1/p' var/bench-classifier-flashtext.txt)
ratio=$(awk -v s="$swift_rate" -v p="$python_rate" 'BEGIN { printf "%.2f", s / p }')
echo "== swift ${swift_rate} headlines/s, flashtext ${python_rate} headlines/s, ratio ${ratio}x (goal >= 3x)"
