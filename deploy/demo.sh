#!/usr/bin/env bash
# The scripted walk-through of the quickstart, against a running development broker:
#   deploy/demo.sh DEV_DIR [HOST:PORT]
# DEV_DIR is a `throughcared --dev` data directory (profiles, keys); HOST:PORT overrides the
# address in its profiles. Uses the CLI at $THROUGHCARE_CLI (default build/client/throughcare).
# Safe to run again: the person is registered only if not known yet.
set -euo pipefail
dev_dir="${1:?usage: deploy/demo.sh DEV_DIR [HOST:PORT]}"
server="${2:-}"
cli="${THROUGHCARE_CLI:-build/client/throughcare}"

# as AGENCY USER ROLE PURPOSE ARGS...: run the CLI as a practitioner of a demo agency.
as() {
  local agency=$1 user=$2 role=$3 purpose=$4
  shift 4
  "$cli" --dev-dir "$dev_dir" ${server:+--server "$server"} --agency "$agency" --user "$user" \
    --role "$role" --purpose "$purpose" "$@"
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ throughcare %s\n' "$*"; }

step "1. HMP Northgate reception registers a person by NOMS number (home area E99999001)"
if subject=$(as hmp-northgate reception-officer-1 prison_reception offender_management --json \
    subject resolve --noms A1234BC 2>/dev/null | jq -r .subject_id); then
  echo "already registered as $subject"
else
  show "subject register --noms A1234BC --home-area E99999001"
  subject=$(as hmp-northgate reception-officer-1 prison_reception offender_management --json \
    subject register --noms A1234BC --home-area E99999001 | jq -r .subject_id)
  echo "registered as $subject"
fi

step "2. Prison healthcare stores a health summary (conditions, prescriptions, GP)"
show "record put --subject $subject --type health_summary --data-class health --body '{...}'"
record=$(as hmp-northgate-healthcare nurse-1 prison_healthcare direct_care --json \
  record put --subject "$subject" --type health_summary --data-class health \
  --body '{"conditions": [{"name": "opioid dependence", "since": "2019-04-01"}],
           "prescriptions": [{"medicine": "methadone oral solution", "dose": "60 ml",
                              "frequency": "daily", "prescriber": "prison healthcare"}],
           "gp": {"practice_name": "Synthetic Street Surgery (demo)", "ods_code": "Y99999"}}' \
  | jq -r .record_id)
echo "stored record $record"

step "3. A probation offender manager finds the person and reads the summary"
show "subject resolve --noms A1234BC"
as probation-east om-1 offender_manager offender_management subject resolve --noms A1234BC
show "record get $record"
as probation-east om-1 offender_manager offender_management record get "$record"

step "4. A local-authority housing officer tries to read it, and is refused"
show "record get $record"
if as housing-east housing-officer-1 housing_officer resettlement record get "$record" 2>&1; then
  echo "demo: the housing officer should have been refused" >&2
  exit 1
fi

step "5. An auditor lists the accesses to this person and verifies the log"
show "audit query --subject $subject"
as ig-office auditor-1 auditor audit audit query --subject "$subject" --all
show "audit verify"
as ig-office auditor-1 auditor audit audit verify
