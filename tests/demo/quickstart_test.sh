#!/usr/bin/env bash
# deploy/quickstart.sh as CI runs it: start (install check, build, broker, demo) with a temporary
# run directory and free ports, `status`, then `stop`; both must succeed and the broker must be
# gone. A start whose port is taken shows only its own log lines and names the port. Also that
# `stop` reports a process that ignores SIGTERM.
#   tests/demo/quickstart_test.sh REPO_ROOT BUILD_DIR
set -euo pipefail
repo=$1 build=$2
run_dir=$(mktemp -d)
pid=""
stubborn=""
squatter=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  [ -n "$stubborn" ] && kill -9 "$stubborn" 2>/dev/null
  [ -n "$squatter" ] && kill -9 "$squatter" 2>/dev/null
  rm -rf "$run_dir"
}
trap cleanup EXIT
passed=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then passed=$((passed + 1)); echo "ok: $1"; else echo "FAILED: $1"; echo "$passed passed, 1 failed"; exit 1; fi
}
# alive PID: running, and not a zombie left for a parent that does not reap.
alive() {
  kill -0 "$1" 2>/dev/null || return 1
  [ "$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\).*/\1/p' "/proc/$1/stat" 2>/dev/null)" != Z ]
}
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# free_port FROM: the first port from FROM up that nothing listens on.
free_port() {
  local p
  for p in $(seq "$1" 65000); do listening "$p" || { echo "$p"; return; }; done
  return 1
}
port=$(free_port $((20000 + RANDOM % 20000)))
metrics_port=$(free_port $((port + 1)))
export QUICKSTART_RUN_DIR=$run_dir QUICKSTART_BUILD_DIR=$build
export QUICKSTART_LISTEN=127.0.0.1:$port QUICKSTART_METRICS_LISTEN=127.0.0.1:$metrics_port

status=0
"$repo/deploy/quickstart.sh" >"$run_dir/start.out" 2>&1 || status=$?
cat "$run_dir/start.out"
[ -f "$run_dir/throughcared.pid" ] && pid=$(cat "$run_dir/throughcared.pid")
check "quickstart succeeds" [ "$status" -eq 0 ]
check "it serves on QUICKSTART_LISTEN" grep -q "serving on 127.0.0.1:$port" "$run_dir/start.out"
check "its data is in QUICKSTART_RUN_DIR" [ -f "$run_dir/dev/data/throughcare.db" ]
check "metrics listen on QUICKSTART_METRICS_LISTEN" listening "$metrics_port"
check "the demo ran to the audit" grep -q "audit log verified" "$run_dir/start.out"
check "it prints the metrics URL" \
  grep -q "metrics: http://127.0.0.1:$metrics_port/metrics" "$run_dir/start.out"
check "no escape codes when the output is not a terminal" \
  bash -c "! grep -q \$'\\033' '$run_dir/start.out'"

# `status` finds the addresses in the run directory, whatever the environment says now.
status=0
QUICKSTART_LISTEN=127.0.0.1:1 QUICKSTART_METRICS_LISTEN=127.0.0.1:1 \
  "$repo/deploy/quickstart.sh" status >"$run_dir/status.out" 2>&1 || status=$?
cat "$run_dir/status.out"
check "status exits 0 while it serves" [ "$status" -eq 0 ]
check "status names the pid and the address" \
  grep -q "is running (pid $pid) on 127.0.0.1:$port" "$run_dir/status.out"
check "status reports the health check" grep -q "health: *SERVING" "$run_dir/status.out"
check "status prints the metrics URL" \
  grep -q "metrics: *http://127.0.0.1:$metrics_port/metrics" "$run_dir/status.out"
check "status names the log" grep -q "log: *$run_dir/throughcared.log" "$run_dir/status.out"

status=0
"$repo/deploy/quickstart.sh" stop >"$run_dir/stop.out" 2>&1 || status=$?
cat "$run_dir/stop.out"
check "stop succeeds" [ "$status" -eq 0 ]
check "stop says so" grep -q "throughcared stopped" "$run_dir/stop.out"
gone() { [ -n "$pid" ] && ! alive "$pid"; }
check "the broker is gone" gone
pid=""
check "nothing listens on the port any more" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null"
check "the pid file is removed" [ ! -e "$run_dir/throughcared.pid" ]
status=0
"$repo/deploy/quickstart.sh" status >"$run_dir/status2.out" 2>&1 || status=$?
cat "$run_dir/status2.out"
check "status exits 3 once it is stopped" [ "$status" -eq 3 ]
check "status says it is not running" grep -q "is not running" "$run_dir/status2.out"

# Another broker holds the port: the start fails, shows this start's lines of the log (which
# already holds the first start's), and names the port.
"$build/services/server/throughcared" --dev --data-dir "$run_dir/squatter" \
  --listen "127.0.0.1:$port" >"$run_dir/squatter.log" 2>&1 &
squatter=$!
for _ in $(seq 100); do grep -q "event=serving" "$run_dir/squatter.log" && break; sleep 0.1; done
status=0
"$repo/deploy/quickstart.sh" >"$run_dir/busy.out" 2>&1 || status=$?
cat "$run_dir/busy.out"
check "a start on a taken port fails" [ "$status" -eq 1 ]
check "it names the taken port and the setting to change" grep -q \
  "port $port (QUICKSTART_LISTEN=127.0.0.1:$port) is already in use" "$run_dir/busy.out"
check "it shows this start's log lines" grep -q "cannot listen on 127.0.0.1:$port" \
  "$run_dir/busy.out"
check "it shows none of the earlier starts' lines" \
  bash -c "! grep -qE 'event=(serving|stopped)' '$run_dir/busy.out'"
kill -TERM "$squatter"
wait "$squatter" || true
squatter=""

# A process that ignores SIGTERM: stop must give up after its timeout and say so.
bash -c 'trap "" TERM; exec sleep 60' &
stubborn=$!
disown "$stubborn"
echo "$stubborn" >"$run_dir/throughcared.pid"
status=0
"$repo/deploy/quickstart.sh" stop >"$run_dir/stop2.out" 2>&1 || status=$?
cat "$run_dir/stop2.out"
check "stop exits 1 when the process does not end in time" [ "$status" -eq 1 ]
check "stop names the process it could not stop" grep -q "pid $stubborn) did not stop" "$run_dir/stop2.out"
echo "$passed passed, 0 failed"
