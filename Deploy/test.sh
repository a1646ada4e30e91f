#!/usr/bin/env bash
# Runs every test: unit tests, and integration tests against a local broker and SMTP server.
# Uses the broker in KAFKA_BOOTSTRAP when set; otherwise starts Tansu on a free
# loopback port for the run and stops it afterwards. Likewise the SMTP sink
# (Deploy/smtp-sink.sh) unless NEWSFLASH_TEST_SMTP_PORT is set. Extra arguments go to `swift test`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
"$root/Deploy/setup.sh"

state="$root/var/test-broker"
started=()
stop_started() {
  for script in "${started[@]}"; do "$root/Deploy/$script" stop || true; done
}
trap stop_started EXIT
if [ -z "${KAFKA_BOOTSTRAP:-}" ]; then
  # A broker of its own, so a developer's running demo broker is not disturbed.
  export NEWSFLASH_BROKER_STATE="$state"
  "$root/Deploy/local-broker.sh" start 0
  started+=(local-broker.sh)
  export KAFKA_BOOTSTRAP="127.0.0.1:$(cat "$state/port")"
fi
if [ -z "${NEWSFLASH_TEST_SMTP_PORT:-}" ]; then
  # An SMTP sink of its own too, with an empty maildir.
  export NEWSFLASH_SMTP_SINK_STATE="$root/var/test-smtp-sink"
  rm -rf "$NEWSFLASH_SMTP_SINK_STATE/maildir"
  "$root/Deploy/smtp-sink.sh" start 0
  started+=(smtp-sink.sh)
  eval "$("$root/Deploy/smtp-sink.sh" env)"
fi
export LD_LIBRARY_PATH="$root/.local/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export NEWSFLASH_PYTHON="$root/.venv/bin/python"
echo "test: broker $KAFKA_BOOTSTRAP, SMTP sink 127.0.0.1:$NEWSFLASH_TEST_SMTP_PORT, librdkafka from $root/.local/lib"
swift build --build-tests
swift test --skip-build "$@"
