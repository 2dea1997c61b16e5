#!/usr/bin/env bash
# One command to set up and run Throughcare with its embedded defaults on Debian 12:
#   deploy/quickstart.sh          install packages, build, start the development broker in the
#                                 background (data, certificates and log in .run/), run the demo
#   deploy/quickstart.sh status   whether it runs and serves, where, its metrics URL and log
#                                 (exit 0 serving; 1 running but not serving; 3 not running)
#   deploy/quickstart.sh stop     stop the broker (exit 1 if it does not stop within 10 seconds)
#
# Overrides by environment, e.g. for CI (defaults in brackets):
#   QUICKSTART_RUN_DIR             data, certificates, pid file and log [.run]
#   QUICKSTART_LISTEN              the broker's gRPC address [127.0.0.1:7443]
#   QUICKSTART_METRICS_LISTEN      its Prometheus metrics address [127.0.0.1:9464]
#   QUICKSTART_BUILD_DIR           the CMake build tree; configured only if it has no
#                                  CMakeCache.txt yet [build]
# Relative paths are relative to the repository root. Give `status` and `stop` the same
# QUICKSTART_RUN_DIR; they find the addresses there.
set -euo pipefail
cd "$(dirname "$0")/.."
run_dir=${QUICKSTART_RUN_DIR:-.run}
listen=${QUICKSTART_LISTEN:-127.0.0.1:7443}
metrics_listen=${QUICKSTART_METRICS_LISTEN:-127.0.0.1:9464}
build_dir=${QUICKSTART_BUILD_DIR:-build}
pid_file=$run_dir/throughcared.pid
log_file=$run_dir/throughcared.log
addresses_file=$run_dir/throughcared.addresses
dev_dir=$run_dir/dev
daemon=$build_dir/services/server/throughcared
cli=$build_dir/client/throughcare
stop_timeout_s=10

# Whether the broker in the pid file is alive. A zombie (exited, not yet reaped, as under a
# container init that does not reap) counts as stopped.
running() {
  [ -f "$pid_file" ] || return 1
  local pid state
  pid=$(cat "$pid_file")
  kill -0 "$pid" 2>/dev/null || return 1
  state=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' "/proc/$pid/stat" 2>/dev/null) || true
  [ "$state" != "Z" ]
}

# Whether the broker answers its gRPC health check with SERVING.
serving() {
  "$cli" --dev-dir "$dev_dir" --server "$listen" --agency ig-office health >/dev/null 2>&1
}

metrics_url() { echo "http://$metrics_listen/metrics"; }

# busy_port_hint LOG_LINES: for a start that failed because an address was taken, which one,
# by what (when `ss` can tell), and how to choose another.
busy_port_hint() {
  local address variable
  if grep -q "cannot listen on $listen" <<<"$1"; then
    address=$listen variable=QUICKSTART_LISTEN
  elif grep -q "cannot serve metrics on $metrics_listen" <<<"$1"; then
    address=$metrics_listen variable=QUICKSTART_METRICS_LISTEN
  else
    return 0
  fi
  local port=${address##*:} holder=""
  if command -v ss >/dev/null; then
    holder=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'users:(([^)]*))' | head -n 1) || true
  fi
  echo "port $port ($variable=$address) is already in use${holder:+ by $holder}; stop what" \
    "listens there, or choose another port, e.g. $variable=${address%:*}:$((port + 1))" >&2
}

case "${1:-}" in
  stop)
    if running; then
      pid=$(cat "$pid_file")
      kill -TERM "$pid"
      for _ in $(seq $((stop_timeout_s * 5))); do running || break; sleep 0.2; done
      if running; then
        # Keep the pid file so that a second `stop` (or the operator) can deal with it.
        echo "throughcared (pid $pid) did not stop within ${stop_timeout_s}s; its log is" \
          "$log_file" >&2
        exit 1
      fi
      echo "throughcared stopped"
    else
      echo "throughcared is not running"
    fi
    rm -f "$pid_file" "$addresses_file"
    exit 0
    ;;
  status)
    # shellcheck source=/dev/null
    [ -f "$addresses_file" ] && . "$addresses_file"
    if ! running; then
      echo "throughcared is not running"
      exit 3
    fi
    echo "throughcared is running (pid $(cat "$pid_file")) on $listen"
    status=0
    if serving; then
      echo "health:  SERVING"
    else
      echo "health:  not serving (see the log)"
      status=1
    fi
    echo "metrics: $(metrics_url)"
    echo "log:     $log_file"
    echo "data:    $dev_dir"
    exit "$status"
    ;;
  "") ;;
  *)
    echo "usage: deploy/quickstart.sh [status|stop]" >&2
    exit 64
    ;;
esac

echo "== 1/4 Debian packages"
deploy/install-deps.sh
echo "== 2/4 build (first time: a few minutes)"
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" --target throughcared throughcare

echo "== 3/4 start throughcared --dev"
mkdir -p "$run_dir"
if running; then
  echo "already running (pid $(cat "$pid_file"))"
  # shellcheck source=/dev/null
  [ -f "$addresses_file" ] && . "$addresses_file"
else
  # The log is kept across starts; a failed start shows only its own lines.
  first_line=1
  [ -f "$log_file" ] && first_line=$(($(wc -l <"$log_file") + 1))
  nohup "$daemon" --dev --data-dir "$dev_dir" --listen "$listen" \
    --metrics-listen "$metrics_listen" >>"$log_file" 2>&1 &
  echo $! >"$pid_file"
  started=""
  for _ in $(seq 100); do
    if serving; then
      started=yes
      break
    fi
    if ! running; then break; fi
    sleep 0.2
  done
  if [ -z "$started" ]; then
    lines=$(tail -n +"$first_line" "$log_file")
    echo "throughcared did not start; this start's lines of its log ($log_file):" >&2
    echo "$lines" >&2
    busy_port_hint "$lines"
    if running; then
      echo "it is still running (pid $(cat "$pid_file")); stop it with deploy/quickstart.sh stop" >&2
    else
      rm -f "$pid_file"
    fi
    exit 1
  fi
  printf 'listen=%q\nmetrics_listen=%q\n' "$listen" "$metrics_listen" >"$addresses_file"
  echo "serving on $listen (pid $(cat "$pid_file"), log $log_file)"
fi

echo "== 4/4 demo"
THROUGHCARE_CLI=$cli deploy/demo.sh "$dev_dir" "$listen"

case $dev_dir in /*) abs_dev_dir=$dev_dir ;; *) abs_dev_dir=$PWD/$dev_dir ;; esac
case $cli in /*) abs_cli_dir=$(dirname "$cli") ;; *) abs_cli_dir=$PWD/$(dirname "$cli") ;; esac
cat <<EOT

throughcared is serving on $listen with development certificates and demo agencies.
Its metrics: $(metrics_url)
Point the CLI at it, acting as any demo practitioner:

  export THROUGHCARE_DEV_DIR=$abs_dev_dir THROUGHCARE_SERVER=$listen PATH=$abs_cli_dir:\$PATH
  throughcare --agency probation-east --user om-1 --role offender_manager \\
      --purpose offender_management subject resolve --noms A1234BC

Check on it with: ${QUICKSTART_RUN_DIR:+QUICKSTART_RUN_DIR=$run_dir }deploy/quickstart.sh status
Stop it with:     ${QUICKSTART_RUN_DIR:+QUICKSTART_RUN_DIR=$run_dir }deploy/quickstart.sh stop
EOT
