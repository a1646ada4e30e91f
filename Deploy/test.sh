#!/usr/bin/env bash
# Runs every test: unit tests, and integration tests against a local broker, PostgreSQL
# and an SMTP server. Uses the broker in KAFKA_BOOTSTRAP when set; otherwise starts Tansu
# on a free loopback port for the run and stops it afterwards. Likewise PostgreSQL for the
# store tests (NEWSFLASH_TEST_POSTGRES_URL, else a cluster of its own: Deploy/postgres.sh,
# var/test-postgres/) and the SMTP sink (NEWSFLASH_TEST_SMTP_PORT, else Deploy/smtp-sink.sh,
# var/test-smtp-sink/). Extra arguments go to `swift test`. Its output is kept in var/test-output.log
# and scanned for secrets.
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
# The gazetteer generator's own unit tests (Python, standard library only; no data packages).
"$NEWSFLASH_PYTHON" -B -m unittest discover -s "$root/Sources/Classifier/Generator" -p 'test_*.py'
swift build --build-tests
# The secret scan (issue 18): the whole run's output, every test's log lines included, must hold no API
# key secret (nfk_ and 48 hex digits) and no webhook signing secret (whsec_ and 32 base64 characters).
# UpCommandTests also checks each secret of a whole pipeline against its logs and API answers.
mkdir -p "$root/var"
output="$root/var/test-output.log"
# The tests' temporary files go to a directory of this run's own, which they must leave empty: a
# test that leaves files behind would grow a CI machine's /tmp with every run. SwiftPM's own files
# are not the tests': its lock files, and five TemporaryDirectory.* that every `swift test` leaves
# (with no test at all). The directory is removed when the tests left nothing else.
scratch="$root/var/test-tmp"
rm -rf "$scratch"
mkdir -p "$scratch"
set +e
TMPDIR="$scratch" swift test --skip-build "$@" 2>&1 | tee "$output"
status=${PIPESTATUS[0]}
set -e
left=$(find "$scratch" -mindepth 1 -maxdepth 1 ! -name '*.lock' ! -name 'TemporaryDirectory.*' -printf '%f\n' | sort)
if [ -n "$left" ]; then
  echo "test: the tests left $(wc -l <<< "$left") files or directories in TMPDIR ($scratch):" >&2
  head -20 <<< "$left" >&2
  [ "$status" -ne 0 ] || status=1
else
  rm -rf "$scratch"
fi
leaks=$(grep -cE 'nfk_[0-9a-f]{48}|whsec_[A-Za-z0-9+/]{32}' "$output" || true)
if [ "$leaks" -gt 0 ]; then
  echo "test: $leaks lines of the test output hold an API key or a signing secret (see $output)" >&2
  exit 1
fi
echo "test: secret scan of $(wc -l < "$output") output lines: none found"
exit "$status"
