# Background processes tracked by a pid file; sourced by local-broker.sh and smtp-sink.sh.

# pidfile_pid FILE: print the pid in FILE when that process runs; fail otherwise.
pidfile_pid() {
  local pid
  [ -f "$1" ] || return 1
  pid=$(cat "$1")
  kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

# pidfile_stop FILE NAME: stop the process in FILE (TERM, then KILL after 5 s) and remove FILE.
pidfile_stop() {
  local pid
  if ! pid=$(pidfile_pid "$1"); then
    rm -f "$1"
    echo "$2: not running"
    return 0
  fi
  kill "$pid"
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -f "$1"
  if kill -0 "$pid" 2>/dev/null; then
    kill -9 "$pid"
    echo "$2: killed (pid $pid): it was still running 5 s after SIGTERM"
  else
    echo "$2: stopped (pid $pid)"
  fi
}
