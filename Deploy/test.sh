#!/usr/bin/env bash
# Runs every test: unit tests, and integration tests against a local broker, PostgreSQL
# and an SMTP server. Uses the broker in KAFKA_BOOTSTRAP when set; otherwise starts Tansu
# on a free loopback port for the run and stops it afterwards. Likewise PostgreSQL for the
# store tests (NEWSFLASH_TEST_POSTGRES_URL, else a cluster of its own: Deploy/postgres.sh,
# var/test-postgres/) and the SMTP sink (NEWSFLASH_TEST_SMTP_PORT, else Deploy/smtp-sink.sh,
# var/test-smtp-sink/). Extra arguments go to `swift test`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
"$root/Deploy/setup.sh"

# What this script started, stopped on exit in reverse order.
stops=()
stop_started() {
  local i
  for ((i = ${#stops[@]} - 1; i >= 0; i--)); do eval "${stops[i]}" || true; done
}
trap stop_started EXIT

state="$root/var/test-broker"
if [ -z "${KAFKA_BOOTSTRAP:-}" ]; then
  # A broker of its own, so a developer's running demo broker is not disturbed.
  export NEWSFLASH_BROKER_STATE="$state"
  "$root/Deploy/local-broker.sh" start 0
  stops+=('"$root/Deploy/local-broker.sh" stop')
  export KAFKA_BOOTSTRAP="127.0.0.1:$(cat "$state/port")"
fi
if [ -z "${NEWSFLASH_TEST_POSTGRES_URL:-}" ]; then
  # Likewise a PostgreSQL cluster of its own for the store tests.
  export NEWSFLASH_POSTGRES_STATE="$root/var/test-postgres"
  "$root/Deploy/postgres.sh" start 0
  stops+=('"$root/Deploy/postgres.sh" stop')
  eval "$("$root/Deploy/postgres.sh" env)"
fi
if [ -z "${NEWSFLASH_TEST_SMTP_PORT:-}" ]; then
  # An SMTP sink of its own too, with an empty maildir.
  export NEWSFLASH_SMTP_SINK_STATE="$root/var/test-smtp-sink"
  rm -rf "$NEWSFLASH_SMTP_SINK_STATE/maildir"
  "$root/Deploy/smtp-sink.sh" start 0
  stops+=('"$root/Deploy/smtp-sink.sh" stop')
  eval "$("$root/Deploy/smtp-sink.sh" env)"
fi
export LD_LIBRARY_PATH="$root/.local/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export NEWSFLASH_PYTHON="$root/.venv/bin/python"
echo "test: broker $KAFKA_BOOTSTRAP, PostgreSQL ${NEWSFLASH_TEST_POSTGRES_URL%%://*}://…@${NEWSFLASH_TEST_POSTGRES_URL#*@}, SMTP sink 127.0.0.1:$NEWSFLASH_TEST_SMTP_PORT, librdkafka from $root/.local/lib"
swift build --build-tests
swift test --skip-build "$@"
