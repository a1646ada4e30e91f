#!/usr/bin/env bash
# A throwaway PostgreSQL (Debian's package) on loopback for the store tests and local runs.
#
#   Deploy/postgres.sh install        apt-get install postgresql when its server is missing
#   Deploy/postgres.sh start [PORT]   create the cluster under var/postgres/ if needed, start it on
#                                      127.0.0.1:PORT (default 0: a free port) and wait until it answers
#   Deploy/postgres.sh stop           stop it (pg_ctl stop -m fast)
#   Deploy/postgres.sh status         say whether it runs and where
#   Deploy/postgres.sh env            print export NEWSFLASH_TEST_POSTGRES_URL=postgres://…
#
# State (port, the role's password) lives under $NEWSFLASH_POSTGRES_STATE, default var/postgres/;
# the cluster (data, log, unix socket) in its data/ folder, owned by the `postgres` user when run as
# root (the server refuses root), or in /tmp/newsflash-postgres-… when that user cannot reach
# var/. Role and database are both `newsflash`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
state="${NEWSFLASH_POSTGRES_STATE:-$root/var/postgres}"
data=$(cat "$state/datadir" 2>/dev/null || echo "$state/data")

die() { echo "postgres: $*" >&2; exit 1; }

bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$dir" ] && [ -x "$dir/initdb" ] || die "the PostgreSQL server is not installed; run: Deploy/postgres.sh install"
  echo "$dir"
}

# Runs a command as the cluster's owner: `postgres` when we are root, else ourselves.
as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

install() {
  if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "postgres: $("$(bindir)/postgres" --version) is installed"
    return 0
  fi
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "postgres: installing Debian's postgresql"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >/dev/null
}

running() {
  [ -f "$data/postmaster.pid" ] && as_owner "$(bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# psql as the cluster's superuser over the unix socket in the state directory.
superuser_psql() {
  as_owner "$(bindir)/psql" -h "$data" -p "$(cat "$state/port")" -U postgres -d postgres -v ON_ERROR_STOP=1 -qAt "$@"
}

start() {
  local port=${1:-0} bin
  bin=$(bindir)
  if running; then
    echo "postgres: already running on 127.0.0.1:$(cat "$state/port") (data $data)"
    return 0
  fi
  mkdir -p "$state"
  if [ ! -f "$data/PG_VERSION" ]; then
    data="$state/data"
    mkdir -p "$data"
    [ "$(id -u)" = 0 ] && chown postgres: "$data"
    if ! as_owner test -w "$data"; then
      # A parent of var/ is closed to the postgres user (a clone under /root, say).
      rmdir "$data"
      data="/tmp/newsflash-postgres-$(echo -n "$state" | md5sum | cut -c1-12)"
      mkdir -p "$data"
      [ "$(id -u)" = 0 ] && chown postgres: "$data"
    fi
    chmod 700 "$data"
    echo "$data" >"$state/datadir"
    as_owner "$bin/initdb" -D "$data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-locale >"$state/initdb.log" 2>&1 \
      || { cat "$state/initdb.log" >&2; die "initdb failed (log: $state/initdb.log)"; }
  fi
  [ "$port" = 0 ] && port=$(free_port)
  echo "$port" >"$state/port"
  # A throwaway cluster: no fsync; enough connections for the parallel tests.
  as_owner "$bin/pg_ctl" -D "$data" -l "$data/postgres.log" -w -t 30 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$data -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { tail -n 20 "$data/postgres.log" >&2; die "the server did not start (log: $data/postgres.log)"; }
  for _ in $(seq 1 60); do
    "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" && break
    sleep 0.5
  done
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" || die "the server does not answer on 127.0.0.1:$port (log: $data/postgres.log)"

  if [ ! -f "$state/password" ]; then
    od -An -tx1 -N12 /dev/urandom | tr -d ' \n' >"$state/password"
    chmod 600 "$state/password"
  fi
  local password
  password=$(cat "$state/password")
  # Bound through psql variables (:'name'), not pasted into the SQL.
  superuser_psql -v password="$password" <<'SQL'
SELECT format('CREATE ROLE newsflash LOGIN PASSWORD %L', :'password') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'newsflash') \gexec
SELECT format('ALTER ROLE newsflash PASSWORD %L', :'password') \gexec
SELECT 'CREATE DATABASE newsflash OWNER newsflash' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'newsflash') \gexec
SQL
  echo "postgres: $("$bin/postgres" --version | awk '{print $3}') ready on 127.0.0.1:$port (data $data)"
}

stop() {
  if ! running; then
    echo "postgres: not running"
    return 0
  fi
  as_owner "$(bindir)/pg_ctl" -D "$data" -m fast -w stop >/dev/null
  echo "postgres: stopped"
}

status() {
  if running; then
    echo "postgres: running on 127.0.0.1:$(cat "$state/port") (data $data)"
  else
    echo "postgres: not running"
    return 1
  fi
}

env_lines() {
  running || die "not running; start it with: Deploy/postgres.sh start"
  echo "export NEWSFLASH_TEST_POSTGRES_URL=postgres://newsflash:$(cat "$state/password")@127.0.0.1:$(cat "$state/port")/newsflash?sslmode=disable"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-0}" ;;
  stop) stop ;;
  status) status ;;
  env) env_lines ;;
  *) sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
