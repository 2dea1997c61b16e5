#!/usr/bin/env bash
# The scripted walk-through of the quickstart, against a running development broker:
#   deploy/demo.sh DEV_DIR [HOST:PORT]
# DEV_DIR is a `throughcared --dev` data directory (profiles, keys); HOST:PORT overrides the
# address in its profiles. Uses the CLI at $THROUGHCARE_CLI (default build/client/throughcare).
#
# The story follows the demo policy (deploy/policy.yaml): a practitioner sees a person only while
# their agency has a relationship with them (otherwise the broker answers NOT_FOUND), and health,
# drugs and mental health data leave the agency that owns them only under the person's consent.
#
# Then the handoff the broker exists for: the prison's CARAT drug team refers the person, with the
# drug interventions record and their consent, to the community drug team (CJIT) for their home
# area before release; the CJIT accepts, the release is recorded, first contact is made, and the
# CJIT's manager reads the attrition funnel.
#
# Safe to run again: the person, relationships, records, consents and the referral are looked up
# first and only created (or moved on) when missing.
#
# Each command it shows is printed exactly as it runs, so that it can be copied into a shell set
# up as the demo says first (THROUGHCARE_DEV_DIR and THROUGHCARE_SERVER, and the CLI on PATH).
# Headings are bold only on a terminal (and not with NO_COLOR set).
set -euo pipefail
dev_dir="${1:?usage: deploy/demo.sh DEV_DIR [HOST:PORT]}"
server="${2:-}"
cli="${THROUGHCARE_CLI:-build/client/throughcare}"
noms=A1234BC

# The CLI takes its connection from the environment, as a person following the demo would set it.
case $dev_dir in /*) ;; *) dev_dir=$PWD/$dev_dir ;; esac
unset THROUGHCARE_PROFILE THROUGHCARE_TOKEN THROUGHCARE_CA THROUGHCARE_CERT THROUGHCARE_KEY \
  THROUGHCARE_IDENTITY_KEY THROUGHCARE_AGENCY THROUGHCARE_USER THROUGHCARE_ROLE THROUGHCARE_PURPOSE
export THROUGHCARE_DEV_DIR=$dev_dir
setup="export THROUGHCARE_DEV_DIR=$(printf %q "$dev_dir")"
if [ -n "$server" ]; then
  export THROUGHCARE_SERVER=$server
  setup+=" THROUGHCARE_SERVER=$server"
else
  unset THROUGHCARE_SERVER
fi
case $cli in
  */*)
    case $cli in /*) ;; *) cli=$PWD/$cli ;; esac
    if [ "$(basename "$cli")" = throughcare ]; then
      setup+=" PATH=$(printf %q "$(dirname "$cli")"):\$PATH"
    else
      setup+="; alias throughcare=$(printf %q "$cli")"
    fi
    ;;
esac

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
  bold=$'\033[1m' plain=$'\033[0m'
else
  bold="" plain=""
fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }

# quote ARG: ARG as a shell word, in single quotes unless it needs none.
quote() {
  if [[ $1 =~ ^[A-Za-z0-9_./:@%+=,-]+$ ]]; then
    printf '%s' "$1"
  elif [[ $1 != *"'"* ]]; then
    printf "'%s'" "$1"
  else
    printf '%q' "$1"
  fi
}

# The demo's practitioners: agency, user, role and the purpose they work under.
declare -A practitioner=(
  [reception]="hmp-northgate reception-officer-1 prison_reception offender_management"
  [nurse]="hmp-northgate-healthcare nurse-1 prison_healthcare direct_care"
  [om]="probation-east om-1 offender_manager offender_management"
  [housing]="housing-east housing-officer-1 housing_officer resettlement"
  [auditor]="ig-office auditor-1 auditor audit"
  [carat]="hmp-northgate carat-worker-1 carat_worker direct_care"
  [cjit]="cjit-east cjit-worker-1 cjit_worker direct_care"
  [cjit_manager]="cjit-east cjit-manager-1 team_manager performance_reporting"
  [witness]="probation-east witness-1 witness audit"
)

# as WHO ARGS...: runs the CLI as one of the practitioners above, without showing it.
as() {
  local agency user role purpose
  read -r agency user role purpose <<<"${practitioner[$1]}"
  shift
  "$cli" --agency "$agency" --user "$user" --role "$role" --purpose "$purpose" "$@"
}
# run WHO ARGS...: shows the command as it can be typed (on the demo's own output, also from
# inside $(...)), then runs it.
run() {
  local agency user role purpose arg line
  read -r agency user role purpose <<<"${practitioner[$1]}"
  line="throughcare --agency $agency --user $user --role $role --purpose $purpose"
  for arg in "${@:2}"; do line+=" $(quote "$arg")"; done
  printf '%s\n' "$line" >&3
  as "$@"
}
exec 3>&1
reception() { as reception "$@"; }
nurse() { as nurse "$@"; }
om() { as om "$@"; }
housing() { as housing "$@"; }
carat() { as carat "$@"; }
cjit() { as cjit "$@"; }

echo "Each command shown runs as printed in a shell set up with:"
echo "  $setup"

# ensure_relationship AS_FUNCTION AGENCY KIND [REASON]: starts the agency's relationship of KIND
# with the person unless an active one exists. Without any relationship the list itself is
# NOT_FOUND. Custody by reception and allocation by probation are workflows; other agencies'
# starts are self-claims, which need a REASON and are queued for an auditor's review.
ensure_relationship() {
  local who=$1 agency=$2 kind=$3 reason=${4:-} existing
  existing=$(as "$who" --json relationship list "$subject" 2>/dev/null |
    jq -r --arg a "$agency" --arg k "RELATIONSHIP_KIND_${kind^^}" \
      '[.relationships[]? | select(.agency_id == $a and .kind == $k and (.ended_at | not))]
       | first | .relationship_id // empty') || true
  if [ -n "$existing" ]; then
    echo "$agency already has an active $kind relationship ($existing)"
  else
    if [ -n "$reason" ]; then
      run "$who" relationship start "$subject" --kind "$kind" --note "$reason"
    else
      run "$who" relationship start "$subject" --kind "$kind"
    fi
  fi
}

step "1. HMP Northgate reception registers a person by NOMS number and records custody"
# Reception may look up and register new arrivals without a relationship (policy rule
# identity-reception), so that it can tell whether someone is already known.
if subject=$(run reception --json subject resolve --noms "$noms" 2>/dev/null |
  jq -er .subject_id); then
  echo "already registered as $subject"
else
  subject=$(run reception --json subject register --noms "$noms" --home-area E99999001 |
    jq -er .subject_id)
  echo "registered as $subject"
fi
ensure_relationship reception hmp-northgate custody

step "2. Prison healthcare takes the person on, records a health summary and their consent"
ensure_relationship nurse hmp-northgate-healthcare allocation \
  "Prescribing methadone since the reception health screen."
record=$(nurse --json record list "$subject" 2>/dev/null | jq -r '[.records[]? |
  select(.record_type == "health_summary" and .owner_agency == "hmp-northgate-healthcare")]
  | first | .record_id // empty')
if [ -n "$record" ]; then
  echo "health summary already stored as $record"
else
  summary=$(jq -c . <<<'{"conditions": [{"name": "opioid dependence", "since": "2019-04-01"}],
    "prescriptions": [{"medicine": "methadone oral solution", "dose": "60 ml",
                       "frequency": "daily", "prescriber": "prison healthcare"}],
    "gp": {"practice_name": "Synthetic Street Surgery (demo)", "ods_code": "Y99999"}}')
  record=$(run nurse --json record put --subject "$subject" --type health_summary \
    --data-class health --body "$summary" | jq -er .record_id)
  echo "stored record $record"
fi
consent=$(nurse --json consent list "$subject" 2>/dev/null | jq -r '[.consents[]? |
  select(.state == "ACTIVE" and (.data_classes | index("health"))
         and (.recipient_agencies | index("probation-east"))
         and (.purposes | index("offender_management")))] | first | .consent_id // empty')
if [ -n "$consent" ]; then
  echo "the person's consent is already recorded as $consent"
else
  run nurse consent record --subject "$subject" --data-class health \
    --recipient-agency probation-east --consent-purpose offender_management --until 90d \
    --evidence signed-form --evidence-reference "HMP Northgate healthcare file, consent form 1"
fi
run nurse consent list "$subject"

step "3. The probation offender manager takes on the case and reads the summary (by consent)"
ensure_relationship om probation-east allocation
run om subject resolve --noms "$noms"
run om record get "$record"

step "4. The housing officer also works with the person, but is refused the health summary"
# The consent names probation-east for offender management only, so it cannot cover housing;
# `check` explains the decision check by check without performing the access.
ensure_relationship housing housing-east allocation \
  "No fixed abode on release; housing assessment booked."
if run housing record get "$record" 2>&1; then
  echo "demo: the housing officer should have been refused" >&2
  exit 1
fi
run housing check --subject "$subject" --record "$record"

# The handoff: release is planned in three days (the broker escalates a referral not accepted
# by the start of the release day, so a release today would already be late).
today=$(date -u +%F)
release=$(date -u -d '+3 days' +%F)
# referral_state: the state of the demo referral, without the REFERRAL_STATE_ prefix.
referral_state() {
  carat --json referral get "$referral" | jq -r '.state | sub("REFERRAL_STATE_"; "") | ascii_downcase'
}

step "5. The prison's CARAT drug team assesses the person: the DIR and consent for the CJIT"
dir=$(carat --json record list "$subject" 2>/dev/null | jq -r '[.records[]? |
  select(.record_type == "drug_interventions_record" and .owner_agency == "hmp-northgate")]
  | first | .record_id // empty')
if [ -n "$dir" ]; then
  echo "the drug interventions record is already stored as $dir"
else
  assessment=$(jq -cn --arg today "$today" '{assessment_date: $today, substances: ["heroin"],
    notes: "On methadone 60 ml daily; wants to continue treatment after release."}')
  dir=$(run carat --json record put --subject "$subject" --type drug_interventions_record \
    --data-class drugs --body "$assessment" | jq -er .record_id)
  echo "stored record $dir"
fi
drugs_consent=$(carat --json consent list "$subject" 2>/dev/null | jq -r '[.consents[]? |
  select(.state == "ACTIVE" and (.data_classes | index("drugs"))
         and (.recipient_agencies | index("cjit-east")))] | first | .consent_id // empty')
if [ -n "$drugs_consent" ]; then
  echo "the person's consent to the CJIT is already recorded as $drugs_consent"
else
  run carat consent record --subject "$subject" --data-class drugs --recipient-agency cjit-east \
    --consent-purpose direct_care --until 90d --evidence signed-form \
    --evidence-reference "CARAT file, DIR consent section"
fi

step "6. Before release, CARAT refers the person to the CJIT for their home area"
# The person's home area (E99999001), not the prison's location, decides who receives it.
run carat referral resolve --type drug_treatment_on_release --area E99999001
referral=$(carat --json referral list --subject "$subject" 2>/dev/null | jq -r '[.referrals[]? |
  select(.referral_type == "drug_treatment_on_release" and .referring_agency == "hmp-northgate")]
  | first | .referral_id // empty')
if [ -n "$referral" ]; then
  echo "the person was already referred: $referral"
else
  referral=$(run carat --json referral create --type drug_treatment_on_release --subject "$subject" \
    --record "$dir" --event-date "$release" \
    --note "Release planned for $release; methadone 60 ml daily, last dose on the day." |
    jq -er .referral_id)
  echo "referral $referral sent to the CJIT's single point of contact"
fi

step "7. The CJIT's single point of contact picks the referral up and accepts it"
# Each step runs only if the referral has not passed it yet, so a re-run (or one that was
# interrupted) carries on from where the referral is.
state=$(referral_state)
if [ "$state" = sent ]; then
  run cjit message receive --ack
  run cjit referral move "$referral" received >/dev/null
  state=received
fi
if [ "$state" = received ]; then
  run cjit referral move "$referral" accepted
  state=accepted
else
  echo "the referral is already $state"
fi
# Accepting gave the CJIT a relationship with the person for the life of the referral.
run cjit subject get "$subject"

step "8. Reception records the release; the CJIT books and makes first contact"
if [ "$state" = accepted ]; then
  # Storing a release notification is a release event: release-relative deadlines (first
  # contact within 5 days) run from it, and an unaccepted referral would be escalated at once.
  notification=$(jq -cn --arg release "$release" '{release_date: $release,
    release_type: "licence", releasing_establishment: "HMP Northgate (demo)",
    release_area: "E99999001"}')
  run reception record put --subject "$subject" --type release_notification \
    --data-class custody --body "$notification"
  run cjit referral move "$referral" appointment_booked \
    --reason "Release day, 14:00, East Area treatment hub" >/dev/null
  state=appointment_booked
fi
if [ "$state" = appointment_booked ]; then
  run cjit referral move "$referral" first_contact >/dev/null
else
  echo "the referral is already $state"
fi
run carat referral get "$referral"

step "9. The CJIT's team manager reads the attrition funnel"
# Referrals made in the last 30 days, by receiving agency (the default groups by home area).
month_ago=$(date -u -d '-30 days' +%F)
run cjit_manager report referrals --from "$month_ago" --by-agency

step "10. An auditor lists the accesses to this person with their bases and verifies the log"
run auditor audit query --subject "$subject" --all
# Probation's witness checks the latest checkpoint against the one it accepted last time (kept
# in its state file) and cosigns it; any agency can run one, and none has to trust the operator.
witness_state="$dev_dir/probation-east-witness.state"
run witness audit witness --state "$witness_state"
run auditor audit verify
