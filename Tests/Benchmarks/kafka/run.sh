#!/usr/bin/env bash
# Kafka layer throughput, Swift (release build) and Python confluent-kafka side by side
# on the same local broker. Usage: Tests/Benchmarks/kafka/run.sh [--messages N] [--runs R] ...
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
cd "$root"
Deploy/local-broker.sh install >/dev/null
started=""
if ! Deploy/local-broker.sh status >/dev/null 2>&1; then
  Deploy/local-broker.sh start 0 >/dev/null
  started=yes
fi
trap '[ -n "$started" ] && Deploy/local-broker.sh stop >/dev/null' EXIT
eval "$(Deploy/local-broker.sh env)"
swift build -c release --product newsflash-bench >/dev/null
echo "== Swift (RdKafka layer)"
.build/release/newsflash-bench kafka --bootstrap "$KAFKA_BOOTSTRAP" "$@" | tee var/bench-kafka-swift.txt
echo "== Python (confluent-kafka)"
.venv/bin/python Tests/Benchmarks/kafka/bench_confluent.py --bootstrap "$KAFKA_BOOTSTRAP" "$@" | tee var/bench-kafka-python.txt
