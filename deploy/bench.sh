#!/usr/bin/env bash
# One command to benchmark the broker (see "Benchmarks" in README.md):
#   deploy/bench.sh [BENCH FLAGS...]     e.g. deploy/bench.sh --senders 16 --duration 20s --json
#
# Builds throughcared and throughcare if needed, starts `throughcared --dev` in a new temporary
# directory on free ports with the messaging rate limits lifted, runs `throughcare bench` with
# the given flags, then stops the broker (also on failure or Ctrl-C) and deletes its data. The
# broker's log is kept; its path is printed at the end.
#
# Overrides by environment (defaults in brackets):
#   BUILD_DIR      the CMake build tree; configured (Release) only if it has no CMakeCache.txt
#                  [build-bench]
#   BENCH_TMPDIR   where the temporary directory is made. Use a real disk: on tmpfs a durable
#                  commit costs nothing [${TMPDIR:-/tmp}]
# Relative paths are relative to the repository root.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build-bench}
daemon=$build_dir/services/server/throughcared
cli=$build_dir/client/throughcare
run_dir=$(mktemp -d "${BENCH_TMPDIR:-${TMPDIR:-/tmp}}/throughcare-bench.XXXXXX")
dev_dir=$run_dir/dev
log_file=$run_dir/throughcared.log
stop_timeout_s=10
pid=""

# A port nothing on 127.0.0.1 listens on (checked, not reserved: good enough for a benchmark).
free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  echo "bench: found no free port" >&2
  return 1
}

start_broker() {
  "$daemon" --dev --data-dir "$dev_dir" --listen "$listen" --metrics-listen "$metrics_listen" \
    >>"$log_file" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    if "$cli" --dev-dir "$dev_dir" --agency ig-office health >/dev/null 2>&1; then return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "bench: throughcared did not start; its log ($log_file) ends:" >&2
  tail -n 20 "$log_file" >&2
  return 1
}

stop_broker() {
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq $((stop_timeout_s * 5))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "bench: throughcared (pid $pid) did not stop within ${stop_timeout_s}s; killing it" >&2
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  pid=""
}

cleanup() {
  stop_broker
  rm -rf "$dev_dir"
  echo "bench: broker log: $log_file" >&2
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ ! -f "$build_dir/CMakeCache.txt" ]; then
  cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build_dir" -j"$(nproc)" --target throughcared throughcare >&2

listen=127.0.0.1:$(free_port)
metrics_listen=127.0.0.1:$(free_port)
# The first start creates the development environment; the second serves it with the limits
# that would otherwise throttle the benchmark (200 sends per second per agency by default).
start_broker
stop_broker
cat >>"$dev_dir/throughcared.yaml" <<'EOF'
messaging:
  send_rate_per_second: 1000000
  send_burst: 1000000
  mailbox_limit: 10000000
EOF
start_broker
echo "bench: throughcared on $listen (pid $pid), data in $dev_dir" >&2

"$cli" --dev-dir "$dev_dir" bench "$@"
