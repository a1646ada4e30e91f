#!/usr/bin/env bash
# Local SMTP server (aiosmtpd, Tests/Support/smtp_sink.py) for the mail tests and the demo.
#
#   Deploy/smtp-sink.sh start [PORT]   start the sink on 127.0.0.1:PORT (default 0: a free port), with
#                                      an implicit-TLS and a no-TLS listener on free ports, and wait
#                                      until all three answer SMTP
#   Deploy/smtp-sink.sh stop           stop the sink this script started (by its pid)
#   Deploy/smtp-sink.sh status         say whether it runs and where
#   Deploy/smtp-sink.sh env            print export lines: NEWSFLASH_TEST_SMTP_PORT, _TLS_PORT,
#                                      _NOTLS_PORT, _CA, _MAILDIR
#
# State lives under var/smtp-sink/ (pid, ports, a throw-away CA, log, maildir/ with one .eml and
# one .json per message). The test user is newsflash / sink-password.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=pidfile.sh
. "$root/Deploy/pidfile.sh"
state="${NEWSFLASH_SMTP_SINK_STATE:-$root/var/smtp-sink}"
python="$root/.venv/bin/python"

die() { echo "smtp-sink: $*" >&2; exit 1; }

running_pid() { pidfile_pid "$state/sink.pid"; }

start() {
  local port=${1:-0}
  if pid=$(running_pid); then
    echo "smtp-sink: already running (pid $pid) on 127.0.0.1:$(cat "$state/port")"
    return 0
  fi
  "$python" -c 'import aiosmtpd' 2>/dev/null || die "aiosmtpd is not installed; run: Deploy/setup.sh"
  command -v openssl >/dev/null || die "the openssl command is missing (Debian: apt-get install openssl)"
  mkdir -p "$state"
  rm -f "$state/port" "$state/tls-port" "$state/notls-port"
  : >"$state/sink.log"
  # setsid: the sink outlives this script and is not hit by the caller's Ctrl-C.
  setsid "$python" "$root/Tests/Support/smtp_sink.py" --state "$state" --port "$port" \
    >>"$state/sink.log" 2>&1 </dev/null &
  echo $! >"$state/sink.pid"
  # Ready means every listener answers with an SMTP greeting, not just that a port is open.
  if ! "$python" - "$state" <<'PY'
import os, smtplib, ssl, sys, time
state = sys.argv[1]
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    try:
        ports = [int(open(os.path.join(state, n)).read()) for n in ("port", "tls-port", "notls-port")]
        context = ssl.create_default_context(cafile=os.path.join(state, "ca.pem"))
        for port in (ports[0], ports[2]):
            smtplib.SMTP("127.0.0.1", port, timeout=2).quit()
        smtplib.SMTP_SSL("127.0.0.1", ports[1], timeout=2, context=context).quit()
        sys.exit(0)
    except (OSError, ValueError, smtplib.SMTPException):
        time.sleep(0.2)
sys.exit(1)
PY
  then
    tail -n 20 "$state/sink.log" >&2 || true
    stop || true
    die "the sink did not answer within 20 s (log above: $state/sink.log)"
  fi
  echo "smtp-sink: ready on 127.0.0.1:$(cat "$state/port") (STARTTLS), $(cat "$state/tls-port") (TLS)," \
    "$(cat "$state/notls-port") (no TLS); pid $(cat "$state/sink.pid"), maildir $state/maildir"
}

stop() { pidfile_stop "$state/sink.pid" smtp-sink; }

status() {
  if pid=$(running_pid); then
    echo "smtp-sink: running (pid $pid) on 127.0.0.1:$(cat "$state/port")"
  else
    echo "smtp-sink: not running"
    return 1
  fi
}

env_lines() {
  running_pid >/dev/null || die "not running; start it with: Deploy/smtp-sink.sh start"
  echo "export NEWSFLASH_TEST_SMTP_PORT=$(cat "$state/port")"
  echo "export NEWSFLASH_TEST_SMTP_TLS_PORT=$(cat "$state/tls-port")"
  echo "export NEWSFLASH_TEST_SMTP_NOTLS_PORT=$(cat "$state/notls-port")"
  echo "export NEWSFLASH_TEST_SMTP_CA=$state/ca.pem"
  echo "export NEWSFLASH_TEST_SMTP_MAILDIR=$state/maildir"
}

case "${1:-}" in
  start) start "${2:-0}" ;;
  stop) stop ;;
  status) status ;;
  env) env_lines ;;
  *) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
