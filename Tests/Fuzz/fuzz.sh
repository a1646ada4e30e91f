#!/usr/bin/env bash
# make fuzz: builds the libFuzzer drivers of Tests/Fuzz (release, -sanitize=fuzzer,address, in
# .build-fuzz/) and runs each target for FUZZ_SECONDS (default 60) on its seed corpus
# (Tests/Fuzz/corpus.txt) plus what earlier runs found (var/fuzz/corpus/<target>/, kept between
# runs). A crash is saved as var/fuzz/crashes/<target>-crash-<sha1>; once understood and fixed,
# copy it to Tests/Fuzz/Regressions/<target>/ so FuzzTests replays it in every test run.
#
#   Tests/Fuzz/fuzz.sh                     every target, 60 s each
#   FUZZ_SECONDS=10 Tests/Fuzz/fuzz.sh     the short run CI does
#   FUZZ_TARGETS="filter feed-parser" Tests/Fuzz/fuzz.sh
#
# Prints one line per target (executions, coverage, corpus, crashes) and exits 1 if any crashed.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
seconds=${FUZZ_SECONDS:-60}
targets=${FUZZ_TARGETS:-$(grep -v '^#' Tests/Fuzz/corpus.txt | awk 'NF {print $1}' | tr '\n' ' ')}
export NEWSFLASH_FUZZ=1
build=(swift build -c release --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld)
for target in $targets; do
  echo "fuzz: building fuzz-$target" >&2
  "${build[@]}" --product "fuzz-$target" >&2
done
bin=$("${build[@]}" --show-bin-path)
mkdir -p var/fuzz/crashes
failed=0
printf '%-14s %12s %8s %8s %8s %8s %s\n' target executions exec/s cov features corpus crashes
for target in $targets; do
  corpus=var/fuzz/corpus/$target
  mkdir -p "$corpus"
  seeds=()
  for directory in $(awk -v t="$target" '$1 == t {for (i = 2; i <= NF; i++) print $i}' Tests/Fuzz/corpus.txt) "Tests/Fuzz/Regressions/$target"; do
    [ -d "$directory" ] && seeds+=("$directory")
  done
  log=var/fuzz/$target.log
  status=0
  "$bin/fuzz-$target" "$corpus" "${seeds[@]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
    -artifact_prefix="var/fuzz/crashes/$target-" > "$log" 2>&1 || status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
  features=$(grep -o 'ft: [0-9]*' "$log" | tail -n 1 | awk '{print $2}')
  crashes=$(ls var/fuzz/crashes 2>/dev/null | grep -c "^$target-" || true)
  printf '%-14s %12s %8s %8s %8s %8s %s\n' "$target" "${executions:-?}" "${speed:-?}" "${coverage:-?}" "${features:-?}" \
    "$(ls "$corpus" | wc -l)" "$crashes"
  if [ "$status" -ne 0 ]; then
    failed=1
    echo "fuzz: $target failed (exit $status); see $log and var/fuzz/crashes/$target-*" >&2
    grep -m 5 -E 'ERROR|Fatal error|precondition|SUMMARY' "$log" >&2 || true
  fi
done
exit $failed
