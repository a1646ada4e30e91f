#!/usr/bin/env bash
# Runs every test: unit tests, and integration tests against a local broker.
# Uses the broker in KAFKA_BOOTSTRAP when set; otherwise starts Tansu on a free
# loopback port for the run and stops it afterwards. Extra arguments go to `swift test`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
"$root/Deploy/setup.sh"

state="$root/var/test-broker"
if [ -z "${KAFKA_BOOTSTRAP:-}" ]; then
  # A broker of its own, so a developer's running demo broker is not disturbed.
  export NEWSFLASH_BROKER_STATE="$state"
  "$root/Deploy/local-broker.sh" start 0
  trap '"$root/Deploy/local-broker.sh" stop' EXIT
  export KAFKA_BOOTSTRAP="127.0.0.1:$(cat "$state/port")"
fi
export LD_LIBRARY_PATH="$root/.local/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export NEWSFLASH_PYTHON="$root/.venv/bin/python"
echo "test: broker $KAFKA_BOOTSTRAP, librdkafka from $root/.local/lib"
swift build --build-tests
swift test --skip-build "$@"
