#!/usr/bin/env bash
# End to end with real processes: `--version` of both binaries; the quickstart demo against a
# real `throughcared --dev` (twice, as it must be safe to re-run), what its start log tells the
# operator, and the demo's commands run again as printed; a graceful SIGTERM shutdown; then
# `throughcare audit verify` naming an entry changed on disk, and a damaged database file that
# stops the broker from starting.
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
  if "${@:2}"; then passed=$((passed + 1)); echo "ok: $1"; else echo "FAILED: $1"; echo "$passed passed, 1 failed"; exit 1; fi
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
demo() {  # demo OUTPUT_FILE
  THROUGHCARE_CLI=$cli "$repo/deploy/demo.sh" "$work/dev" "127.0.0.1:$port" >"$1" 2>&1 ||
    { cat "$1"; echo "$passed passed, 1 failed"; exit 1; }
  cat "$1"
}

version_is() {  # version_is BINARY NAME: its --version is "NAME X.Y.Z (commit C)"
  "$1" --version | grep -qE "^$2 [0-9]+\.[0-9]+\.[0-9]+ \(commit ([0-9a-f]{12}(-dirty)?|unknown)\)$"
}
check "throughcared --version names the version and commit" version_is "$daemon" throughcared
check "throughcare --version names the version and commit" version_is "$cli" throughcare

start
serving_line=$(grep "event=serving" "$work/log")
echo "$serving_line"
check "the start log names the policy version" grep -qE "policy_version=sha256:[0-9a-f]{16}" \
  <<<"$serving_line"
check "the start log names when the server certificate expires" \
  grep -qE "certificate_expires=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z" <<<"$serving_line"
check "the start log names the storage" grep -qF "storage=$work/dev/data/throughcare.db" \
  <<<"$serving_line"
check "the start log names the metrics URL" \
  grep -qE "metrics_url=http://127.0.0.1:[0-9]+/metrics" <<<"$serving_line"
check "the start log names the version" grep -qE "version=[0-9]+\.[0-9]+\.[0-9]+ commit=" \
  <<<"$serving_line"

demo "$work/demo.out"
out=$work/demo.out
check "the demo's output has no escape codes when it is not a terminal" \
  bash -c "! grep -q \$'\\033' '$out'"
# The demo says how to set up a shell, then prints each command as it runs: one run again in a
# fresh shell set up that way answers the same.
setup=$(sed -n 's/^  \(export THROUGHCARE_DEV_DIR=.*\)$/\1/p' "$out" | head -n 1)
resolve=$(grep -E "^throughcare --agency probation-east .* subject resolve --noms A1234BC$" "$out" |
  head -n 1)
check "the demo says how to set up a shell for its commands" test -n "$setup"
check "the demo prints the offender manager's lookup as a full command" test -n "$resolve"
# A fresh environment, but for a moved clock (tests/calendar/run.sh): the broker's certificates
# were made at the moved time, and a real clock would find them not yet valid.
clock=()
for name in LD_PRELOAD FAKETIME FAKETIME_DONT_FAKE_MONOTONIC DONT_FAKE_MONOTONIC NO_FAKE_STAT TZ; do
  [ -z "${!name:-}" ] || clock+=("$name=${!name}")
done
env -i HOME="$HOME" PATH=/usr/bin:/bin "${clock[@]}" bash -c "$setup; $resolve" \
  >"$work/copied.out" 2>&1 || true
cat "$work/copied.out"
check "a printed command runs as printed" grep -qE "^subject_id +sub_[a-z0-9]+$" "$work/copied.out"
check "reception registered the person and recorded custody" \
  grep -qE "^kind +custody$" "$out"
check "healthcare recorded the person's consent for probation-east" \
  grep -qE "^con_[a-z0-9]+ +1 +ACTIVE +health +probation-east +offender_management " "$out"
check "the offender manager read the health summary" grep -q "opioid dependence" "$out"
# The housing officer is refused either for want of a consent covering housing or, if the
# policy grants housing officers no health data at all, for want of a rule.
check "the housing officer was refused with the reason" grep -qE \
  "PERMISSION_DENIED: (no active consent covers data class 'health' for agency 'housing-east'|no rule permits role 'housing_officer' to record.read data class 'health')" \
  "$out"
check "check explains the refusal check by check" grep -qE "^decision +denied$" "$out"
check "the auditor sees the consent as the basis of the offender manager's read" grep -qE \
  "probation-east/om-1 \(offender_manager\) +record.read .* allow +OK +consent con_[a-z0-9]+ v[0-9]+ " \
  "$out"
check "the auditor sees the refusal" grep -qE "record.read .* deny +PERMISSION_DENIED" "$out"
check "CARAT's referral is routed to the CJIT for the home area" \
  grep -qE "^contact +East Area CJIT single point of contact$" "$out"
check "the CJIT received the referral with the DIR" grep -q "wants to continue treatment" "$out"
check "the CJIT accepted, met the deadline before release, and made first contact" grep -qE \
  "^  accepted_before_release +accepted +[0-9TZ:-]+ +[0-9TZ:-]+ +- +team_manager$" "$out"
check "the history ends at first contact" grep -qE "^  [0-9TZ:-]+ +appointment_booked +first_contact +cjit-east" "$out"
# One referral is under the demo policy's threshold of 5: the count is withheld, shown as "<5".
check "the funnel withholds the count of one referral" grep -qE "^  first_contact +<5 +- +- +-$" "$out"
check "the audit log verified" grep -q "audit log verified" "$out"
check "probation's witness cosigned a checkpoint" grep -qE \
  "^cosigned the checkpoint of [0-9]+ entries as dev.throughcare.invalid/witness/probation-east" \
  "$out"
check "the log is checked against the root the broker signed" grep -qE \
  "^audit log verified: [0-9]+ entries hash to the root .* signed by dev.throughcare.invalid/audit/" \
  "$out"

demo "$work/demo2.out"
check "a second run finds the person" grep -q "already registered as" "$work/demo2.out"
check "a second run starts no relationship" \
  bash -c "! grep -qE '^throughcare .* relationship start' '$work/demo2.out'"
check "a second run records no second consent" \
  bash -c "! grep -qE '^throughcare .* consent record' '$work/demo2.out'"
check "a second run makes no second referral" \
  bash -c "! grep -qE '^throughcare .* referral create' '$work/demo2.out'"
check "a second run still reads by consent" grep -qE \
  "allow +OK +consent con_[a-z0-9]+ v[0-9]+ " "$work/demo2.out"

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
check "SIGTERM shuts down cleanly (exit 0)" [ "$status" -eq 0 ]
check "the shutdown is logged" grep -q "event=stopped" "$work/log"

sqlite3 "$work/dev/data/throughcare.db" "UPDATE audit_entries SET reason = 'edited' WHERE seq = 3"
start
status=0
"$cli" --dev-dir "$work/dev" --server "127.0.0.1:$port" --agency ig-office --user auditor-1 \
  --role auditor audit verify >"$work/verify.out" 2>&1 || status=$?
cat "$work/verify.out"
check "audit verify exits 3 on a tampered log" [ "$status" -eq 3 ]
check "audit verify names the changed entry" grep -q "audit entry 3: its fields do not hash" \
  "$work/verify.out"

# A database damaged after its first page (as a failing disk can leave it) is found at start.
kill -TERM "$pid"
wait "$pid" || true
pid=""
db=$work/dev/data/throughcare.db
pages=$(($(stat -c %s "$db") / 4096))
head -c $(((pages - 1) / 2 * 4096)) /dev/zero | tr '\0' '\245' |
  dd of="$db" bs=4096 seek=1 conv=notrunc status=none
status=0
"$daemon" --dev --data-dir "$work/dev" --listen 127.0.0.1:0 >"$work/corrupt.log" 2>&1 || status=$?
cat "$work/corrupt.log"
check "a corrupt database stops the start with exit 69" [ "$status" -eq 69 ]
check "the refusal names the database file and says it is corrupt" \
  grep -qE "event=start_failed .*storage $db is corrupt" "$work/corrupt.log"
echo "$passed passed, 0 failed"
