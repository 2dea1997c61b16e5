#!/usr/bin/env bash
# One command to set up and run Throughcare with its embedded defaults on Debian 12:
#   deploy/quickstart.sh          install packages, build, start the development broker in the
#                                 background (data, certificates and log in .run/), run the demo
#   deploy/quickstart.sh stop     stop the broker
set -euo pipefail
cd "$(dirname "$0")/.."
run_dir=.run
pid_file=$run_dir/throughcared.pid
log_file=$run_dir/throughcared.log
dev_dir=$run_dir/dev
listen=127.0.0.1:7443

running() { [ -f "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

if [ "${1:-}" = "stop" ]; then
  if running; then
    kill -TERM "$(cat "$pid_file")"
    for _ in $(seq 50); do running || break; sleep 0.2; done
    echo "throughcared stopped"
  else
    echo "throughcared is not running"
  fi
  rm -f "$pid_file"
  exit 0
fi
if [ $# -gt 0 ]; then
  echo "usage: deploy/quickstart.sh [stop]" >&2
  exit 64
fi

echo "== 1/4 Debian packages"
deploy/install-deps.sh
echo "== 2/4 build (first time: a few minutes)"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target throughcared throughcare

echo "== 3/4 start throughcared --dev"
mkdir -p "$run_dir"
if running; then
  echo "already running (pid $(cat "$pid_file"))"
else
  nohup build/services/server/throughcared --dev --data-dir "$dev_dir" --listen "$listen" \
    >>"$log_file" 2>&1 &
  echo $! >"$pid_file"
  for _ in $(seq 100); do
    build/client/throughcare --dev-dir "$dev_dir" --agency ig-office health >/dev/null 2>&1 && break
    if ! running; then
      echo "throughcared did not start; its log ($log_file) ends:" >&2
      tail -n 20 "$log_file" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "serving on $listen (pid $(cat "$pid_file"), log $log_file)"
fi

echo "== 4/4 demo"
deploy/demo.sh "$dev_dir"

cat <<EOT

throughcared is serving on $listen with development certificates and demo agencies.
Point the CLI at it, acting as any demo practitioner:

  export THROUGHCARE_DEV_DIR=$PWD/$dev_dir
  build/client/throughcare --agency probation-east --user om-1 --role offender_manager \\
      --purpose offender_management subject resolve --noms A1234BC

Stop it with: deploy/quickstart.sh stop
EOT
