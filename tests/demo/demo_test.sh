#!/usr/bin/env bash
# End to end with real processes: the quickstart demo against a real `throughcared --dev`; a
# graceful SIGTERM shutdown; then `throughcare audit verify` naming an entry changed on disk.
#   tests/demo/demo_test.sh THROUGHCARED THROUGHCARE REPO_ROOT
set -euo pipefail
daemon=$1 cli=$2 repo=$3
work=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
passed=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then passed=$((passed + 1)); echo "ok: $1"; else echo "FAILED: $1"; echo "0 passed, 1 failed"; exit 1; fi
}

start() {
  : >"$work/log"
  "$daemon" --dev --data-dir "$work/dev" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
    >>"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q "event=serving" "$work/log" && break; sleep 0.1; done
  port=$(sed -n 's/.*event=serving.* port=\([0-9]*\).*/\1/p' "$work/log")
  [ -n "$port" ] || { cat "$work/log"; exit 1; }
}

start
THROUGHCARE_CLI=$cli "$repo/deploy/demo.sh" "$work/dev" "127.0.0.1:$port" >"$work/demo.out" 2>&1 ||
  { cat "$work/demo.out"; echo "0 passed, 1 failed"; exit 1; }
cat "$work/demo.out"
check "the housing officer was refused with the reason" \
  grep -q "PERMISSION_DENIED: no rule permits role 'housing_officer'" "$work/demo.out"
check "the auditor sees the refusal" grep -qE "record.read .* deny +PERMISSION_DENIED" "$work/demo.out"
check "the audit log verified" grep -q "audit log verified" "$work/demo.out"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
check "SIGTERM shuts down cleanly (exit 0)" [ "$status" -eq 0 ]
check "the shutdown is logged" grep -q "event=stopped" "$work/log"

sqlite3 "$work/dev/data/throughcare.db" "UPDATE audit_log SET reason = 'edited' WHERE seq = 3"
start
status=0
"$cli" --dev-dir "$work/dev" --server "127.0.0.1:$port" --agency ig-office --user auditor-1 \
  --role auditor audit verify >"$work/verify.out" 2>&1 || status=$?
cat "$work/verify.out"
check "audit verify exits 3 on a tampered log" [ "$status" -eq 3 ]
check "audit verify names the changed entry" grep -q "audit entry 3: hash does not match" "$work/verify.out"
echo "$passed passed, 0 failed"
