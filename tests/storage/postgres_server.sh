#!/usr/bin/env bash
# A throwaway PostgreSQL server for the storage tests: Debian's postgresql-15 binaries, a data
# folder under /tmp, a unix socket only (no TCP), fsync on as in production.
#   tests/storage/postgres_server.sh start STATE   starts one; writes STATE/conninfo (a libpq
#                                                  connection string) and STATE/server_dir
#   tests/storage/postgres_server.sh stop STATE    stops it and removes its folder
#   tests/storage/postgres_server.sh down STATE    stops it, keeping its data (an outage)
#   tests/storage/postgres_server.sh up STATE      starts it again after `down`
# initdb and postgres refuse to run as root: as root (CI), they run as the `postgres` system
# user (created by the postgresql-15 package), which owns the server's folder.
set -euo pipefail

bin=/usr/lib/postgresql/15/bin
cmd=${1:?start or stop}
state=${2:?state folder}

as_server() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# A port no server on this machine listens on. The server listens on no TCP port; the port names
# its socket file, and a free one keeps clear of a server a developer already runs.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

serve() {
  as_server "$bin/pg_ctl" -D "$1/data" -l "$1/server.log" -w -t 60 \
    -o "-k $1 -p $2 -c listen_addresses='' -c max_connections=300" start >/dev/null
}

case "$cmd" in
  start)
    if [ ! -x "$bin/initdb" ]; then
      echo "postgres_server: $bin/initdb missing (apt-get install postgresql-15)" >&2
      exit 1
    fi
    mkdir -p "$state"
    # A server this state still names (a start run again, as `ctest --repeat` does) is stopped
    # first, so that none is left running.
    [ ! -f "$state/server_dir" ] || "$0" stop "$state" >/dev/null
    dir=$(mktemp -d /tmp/tc-pg-XXXXXX)  # short: a socket path has at most 107 bytes
    [ "$(id -u)" -ne 0 ] || chown postgres:postgres "$dir"
    port=$(free_port)
    as_server "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C \
      >"$dir/initdb.log"
    echo "$dir" >"$state/server_dir"
    echo "$port" >"$state/port"
    serve "$dir" "$port"
    echo "host=$dir port=$port user=postgres connect_timeout=10" >"$state/conninfo"
    echo "postgres_server: started in $dir (socket port $port)"
    ;;
  stop)
    [ -f "$state/server_dir" ] || { echo "postgres_server: nothing started in $state"; exit 0; }
    dir=$(cat "$state/server_dir")
    # Immediate: the server and its data are thrown away, so the shutdown checkpoint (a minute
    # of writing out every test's database) would be wasted.
    as_server "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true
    rm -rf "$dir" "$state/server_dir" "$state/conninfo" "$state/port"
    echo "postgres_server: stopped"
    ;;
  down)
    as_server "$bin/pg_ctl" -D "$(cat "$state/server_dir")/data" -m fast -w stop >/dev/null
    ;;
  up)
    serve "$(cat "$state/server_dir")" "$(cat "$state/port")"
    ;;
  *)
    echo "usage: $0 start|stop|down|up STATE" >&2
    exit 2
    ;;
esac
