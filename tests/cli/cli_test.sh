#!/usr/bin/env bash
# End to end with real processes: the `throughcare` CLI against a real `throughcared --dev`.
# Exit codes (2 usage or a missing setting, 1 the broker refused, 3 verification, 4
# unreachable), where settings come from (flag > environment > profile), --json output, minted
# tokens, the consent, relationship, check, review, policy, message, referral and report
# commands, and `audit verify|checkpoint|prove|check-proof|witness` on logs changed on disk with
# sqlite3 (by someone who also recomputes every hash and re-signs).
#   tests/cli/cli_test.sh THROUGHCARED THROUGHCARE
set -uo pipefail
daemon=$1 cli=$2
work=$(mktemp -d)
dev=$work/dev
db=$dev/data/throughcare.db
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
# Only the settings each test gives count.
while read -r name; do unset "$name"; done < <(compgen -e | grep '^THROUGHCARE_')

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() {
  failed=$((failed + 1))
  echo "FAILED: $1"
  shift
  [ $# -gt 0 ] && printf '  %s\n' "$@"
  head -n 20 "$work/out" | sed 's/^/  stdout: /'
  head -n 20 "$work/err" | sed 's/^/  stderr: /'
}
finish() { echo "$passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }
# run CMD...: runs it, stdout to $work/out, stderr to $work/err, exit code in $status.
run() { status=0; "$@" >"$work/out" 2>"$work/err" || status=$?; }
# expect DESCRIPTION STATUS [ERE]: the last run exited with STATUS and (if given) printed a line
# matching ERE on stdout or stderr.
expect() {
  local description=$1 want=$2 pattern=${3:-}
  if [ "$status" -ne "$want" ]; then
    bad "$description" "exit code $status, want $want"
  elif [ -n "$pattern" ] && ! grep -qE -- "$pattern" "$work/out" "$work/err"; then
    bad "$description" "nothing matches: $pattern"
  else
    ok "$description"
  fi
}
# expect_json DESCRIPTION JQ_FILTER: the last run succeeded and its stdout is JSON for which the
# filter is true.
expect_json() {
  if [ "$status" -ne 0 ]; then
    bad "$1" "exit code $status, want 0"
  elif ! jq -e "$2" "$work/out" >/dev/null 2>&1; then
    bad "$1" "stdout is not JSON satisfying: $2"
  else
    ok "$1"
  fi
}
# expect_json_error DESCRIPTION STATUS JQ_FILTER: the last run exited with STATUS, its stdout is
# empty, and the last line of its stderr is a JSON error object for which the filter is true.
expect_json_error() {
  if [ "$status" -ne "$2" ]; then
    bad "$1" "exit code $status, want $2"
  elif [ -s "$work/out" ]; then
    bad "$1" "stdout is not empty"
  elif ! tail -n 1 "$work/err" | jq -e "(.code | type == \"string\") and (.message | type ==
      \"string\") and has(\"request_id\") and .exit_code == $2 and ($3)" >/dev/null 2>&1; then
    bad "$1" "the last line of stderr is not a JSON error satisfying: $3"
  else
    ok "$1"
  fi
}
# must CMD...: a step the later tests need; stops the test if it fails.
must() {
  run "$@"
  if [ "$status" -ne 0 ]; then
    bad "setup step failed (exit $status): $*"
    finish
  fi
}
field() { jq -er "$1" "$work/out"; }

start() {
  : >"$work/log"
  "$daemon" --dev --data-dir "$dev" --listen 127.0.0.1:0 --metrics-listen 127.0.0.1:0 \
    >>"$work/log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do grep -q "event=serving" "$work/log" && break; sleep 0.1; done
  port=$(sed -n 's/.*event=serving.* port=\([0-9]*\).*/\1/p' "$work/log")
  [ -n "$port" ] || { cat "$work/log"; bad "throughcared did not start"; finish; }
  server=127.0.0.1:$port
}
stop() {
  kill -TERM "$pid"
  wait "$pid"
  pid=""
}
# A port nothing listens on.
closed_port() {
  local p
  for p in $(seq $((20000 + RANDOM % 20000)) 65000); do
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
  done
}
closed=127.0.0.1:$(closed_port)

# as AGENCY USER ROLE PURPOSE ARGS...: the CLI as a practitioner of a demo agency.
as() {
  local agency=$1 user=$2 role=$3 purpose=$4
  shift 4
  "$cli" --dev-dir "$dev" --server "$server" --agency "$agency" --user "$user" --role "$role" \
    --purpose "$purpose" "$@"
}
reception() { as hmp-northgate reception-1 prison_reception offender_management "$@"; }
resettlement() { as hmp-northgate resettlement-1 resettlement_officer resettlement "$@"; }
nurse() { as hmp-northgate-healthcare nurse-1 prison_healthcare direct_care "$@"; }
om() { as probation-east om-1 offender_manager offender_management "$@"; }
housing() { as housing-east housing-1 housing_officer resettlement "$@"; }
auditor() { as ig-office auditor-1 auditor audit "$@"; }
# The claims of a JWT, as JSON.
jwt_claims() {
  local payload
  payload=$(printf '%s' "$1" | cut -d. -f2 | tr '_-' '/+')
  while [ $((${#payload} % 4)) -ne 0 ]; do payload="$payload="; done
  printf '%s' "$payload" | base64 -d
}

echo "== usage and local configuration (exit 2)"
run "$cli"
expect "no command is bad usage" 2 "SUBCOMMAND|subcommand"
run "$cli" record get
expect "a missing argument is bad usage" 2 "RECORD_ID"
run "$cli" subject get sub_x --no-such-flag
expect "an unknown flag is bad usage" 2 "no-such-flag"
run "$cli" consent record --subject s --data-class health --recipient-agency a \
  --consent-purpose direct_care --until 90d --evidence telepathy
expect "a value outside a flag's choices is bad usage" 2 "evidence"
run "$cli" consent record --subject s --data-class health --recipient-agency a \
  --consent-purpose direct_care --until soon --evidence signed-form --evidence-reference f
expect "an --until that is neither a time nor a duration is bad usage" 2 "--until"
run "$cli" check --subject s
expect "check without --record or --data-class is bad usage" 2 "--record"
run "$cli" check --subject s --data-class health --as-agency housing-east
expect "--as-agency alone is bad usage" 2 "as-"
run "$cli" audit verify --log-key not-a-key
expect "a malformed --log-key is bad usage" 2 "--log-key"
run "$cli" --agency probation-east --user om-1 --role offender_manager \
  --purpose offender_management subject get sub_x
expect "a missing server is a missing setting that names it" 2 \
  "missing setting: server address.*--server"

start
run "$cli" --dev-dir "$dev" --server "$server" --agency probation-east --user om-1 \
  --role offender_manager subject get sub_x
expect "a missing purpose is a missing setting that names it" 2 "missing setting: purpose"
run "$cli" --dev-dir "$dev" --server "$server" --agency probation-east --role offender_manager \
  --purpose offender_management subject get sub_x
expect "a missing user (to mint an assertion) names the setting" 2 "missing setting: user"
run "$cli" --dev-dir "$dev" --server "$server" --agency no-such-agency --user u --role r health
expect "a dev profile that does not exist is a local error" 2 "no-such-agency"

echo "== --json errors (one JSON object, the last line of stderr)"
run "$cli" --json --dev-dir "$dev" --server "$server" --agency probation-east --user om-1 \
  --role offender_manager subject get sub_x
expect_json_error "a local error with --json" 2 \
  '.code == "FAILED_PRECONDITION" and (.message | startswith("missing setting: purpose"))
   and .request_id == null'
run "$cli" --json subject get sub_x --no-such-flag
expect_json_error "bad usage with --json" 2 '.message | test("no-such-flag")'
run "$cli" --json --dev-dir "$dev" --server "$server" --agency probation-east --user om-1 \
  --role offender_manager --purpose offender_management --request-id cli-json-1 subject get sub_x
expect_json_error "a broker's refusal with --json has its code, message and request id" 1 \
  '.code == "INVALID_ARGUMENT" and (.message | startswith("subject_id: malformed id"))
   and .request_id == "cli-json-1"'
run "$cli" --json --dev-dir "$dev" --server "$closed" --agency ig-office health
expect_json_error "an unreachable broker with --json" 4 \
  '.code == "UNAVAILABLE" and (.message | startswith("could not reach the broker"))'

echo "== TLS mistakes are reported as such (exit 2), not as an unreachable broker"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj "/CN=Another CA" -keyout "$work/other-ca.key" -out "$work/other-ca.pem" 2>/dev/null
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=hmp-northgate" \
  -keyout "$work/other.key" -out "$work/other.csr" 2>/dev/null
openssl x509 -req -in "$work/other.csr" -CA "$work/other-ca.pem" -CAkey "$work/other-ca.key" \
  -CAcreateserial -days 2 -out "$work/other.pem" 2>/dev/null
run "$cli" --dev-dir "$dev" --server "$server" --agency ig-office --ca "$work/other-ca.pem" health
expect "a CA that did not issue the broker's certificate is a TLS error" 2 \
  "TLS handshake with the broker at $server failed.*--ca"
grep -q "could not reach" "$work/err" && bad "a wrong CA is not reported as unreachable"
run "$cli" --dev-dir "$dev" --server "$server" --agency ig-office --cert "$work/other.pem" \
  --key "$work/other.key" health
expect "a client certificate the broker does not accept is a TLS error" 2 \
  "TLS handshake with the broker at $server failed.*client certificate"
run "$cli" --json --dev-dir "$dev" --server "$server" --agency ig-office \
  --ca "$work/other-ca.pem" health
expect_json_error "a TLS error with --json" 2 '.message | startswith("TLS handshake")'

echo "== reachability and settings precedence"
run "$cli" --dev-dir "$dev" --server "$closed" --agency ig-office health
expect "a closed port exits 4" 4 "could not reach the broker at $closed"
run "$cli" --dev-dir "$dev" --server "$server" --agency ig-office health
expect "health answers SERVING" 0 "^SERVING$"
sed "s/^server: .*/server: $server/" "$dev/profiles/probation-east.yaml" >"$work/om.yaml"
run "$cli" --profile "$work/om.yaml" health
expect "the profile's server is used when nothing else is given" 0 "SERVING"
run env THROUGHCARE_SERVER="$closed" "$cli" --profile "$work/om.yaml" health
expect "THROUGHCARE_SERVER wins over the profile" 4 "could not reach"
run env THROUGHCARE_SERVER="$closed" "$cli" --profile "$work/om.yaml" --server "$server" health
expect "--server wins over THROUGHCARE_SERVER" 0 "SERVING"
run env THROUGHCARE_PROFILE="$work/om.yaml" "$cli" health
expect "THROUGHCARE_PROFILE names the profile" 0 "SERVING"
run env THROUGHCARE_USER=env-user THROUGHCARE_ROLE=offender_manager \
  "$cli" --profile "$work/om.yaml" token mint
expect "token mint uses THROUGHCARE_USER" 0
[ "$status" -eq 0 ] && [ "$(jwt_claims "$(cat "$work/out")" | jq -r .sub)" = env-user ] &&
  ok "the minted token names the user from the environment" ||
  bad "the minted token names the user from the environment"
run env THROUGHCARE_USER=env-user THROUGHCARE_ROLE=offender_manager THROUGHCARE_AGENCY=cjit-east \
  "$cli" --profile "$work/om.yaml" --user flag-user token mint
claims=$(jwt_claims "$(cat "$work/out")")
[ "$status" -eq 0 ] && [ "$(jq -r .sub <<<"$claims")" = flag-user ] &&
  [ "$(jq -r .iss <<<"$claims")" = cjit-east ] &&
  ok "--user wins over THROUGHCARE_USER; THROUGHCARE_AGENCY wins over the profile's agency" ||
  bad "--user wins over THROUGHCARE_USER; THROUGHCARE_AGENCY wins over the profile's agency" \
    "claims: $claims"

echo "== people, relationships and --json"
must reception --json subject register --noms C3456DE --home-area E99999001
subject=$(field .subject_id)
run reception --json subject resolve --noms C3456DE
expect_json "subject resolve --json parses" ".subject_id == \"$subject\""
run reception --json relationship start "$subject" --kind custody --note "received"
expect_json "relationship start --json parses" \
  '.kind == "RELATIONSHIP_KIND_CUSTODY" and .agency_id == "hmp-northgate" and (.ended_at | not)'
run reception relationship list "$subject"
expect "relationship list shows the active custody" 0 "custody +hmp-northgate +- +active"
run nurse relationship start "$subject" --kind allocation --for-me
expect "a self-claimed relationship without a reason is refused (exit 1)" 1 \
  "PERMISSION_DENIED.*needs a reason"
must nurse relationship start "$subject" --kind allocation --for-me \
  --note "Treating the person's asthma since reception."
must nurse --json record put --subject "$subject" --type health_summary --data-class health \
  --body '{"conditions": [{"name": "asthma"}], "gp": {"ods_code": "Y99999"}}'
record=$(field .record_id)
run nurse --json record list "$subject"
expect_json "record list --json parses" ".records[0].record_id == \"$record\""

run om subject get "$subject"
expect "without a relationship the person is NOT_FOUND (exit 1)" 1 "NOT_FOUND"
run om relationship list "$subject"
expect "without a relationship even the relationship list is NOT_FOUND" 1 "NOT_FOUND"
run om --json relationship start "$subject" --kind allocation
expect_json "the offender manager starts an allocation" '.kind == "RELATIONSHIP_KIND_ALLOCATION"'
run om relationship list "$subject"
expect "relationship list shows every agency working with the person" 0 \
  "allocation +probation-east"

echo "== consent and check"
run om record get "$record"
expect "health data needs a consent to leave the owning agency" 1 \
  "PERMISSION_DENIED: no active consent covers data class 'health'"
run om check --subject "$subject" --record "$record"
expect "check explains a refusal and exits 0" 0 "^decision +denied"
grep -qE "^lawful_basis +no +no active consent" "$work/out" &&
  ok "check shows the failing lawful_basis check" || bad "check shows the failing lawful_basis check"
run om --json check --subject "$subject" --record "$record"
expect_json "check --json parses" \
  '.allowed != true and (.checks | map(.name) | index("lawful_basis")) and (.policy_version | startswith("sha256:"))'
run nurse --json consent record --subject "$subject" --data-class health \
  --recipient-agency probation-east --consent-purpose offender_management --until 90d \
  --evidence signed-form --evidence-reference "consent form 7"
expect_json "consent record --json parses" \
  '.state == "ACTIVE" and .version == 1 and .evidence == "CONSENT_EVIDENCE_SIGNED_FORM" and .purposes == ["offender_management"]'
consent=$(field .consent_id)
run nurse consent record --subject "$subject" --data-class health --recipient-kind cjit \
  --consent-purpose direct_care --until 90d --evidence verbal-witnessed
expect "verbal consent needs the witness" 2 "--evidence-detail"
run om record get "$record"
expect "with the consent the offender manager reads the record" 0 "asthma"
run om check --subject "$subject" --record "$record"
expect "check shows the consent as the basis" 0 "^basis +consent $consent v1"
run nurse consent withdraw "$consent" --reason "The person withdrew consent at review."
expect "consent withdraw" 0 "^state +WITHDRAWN"
run om record get "$record"
expect "a withdrawal takes effect on the next call" 1 "PERMISSION_DENIED"
run nurse consent list "$subject" --history
expect "consent list --history shows both versions with their state" 0 \
  "^$consent +2 +WITHDRAWN +health +probation-east"
grep -qE "^$consent +1 +ACTIVE" "$work/out" && ok "the first version is kept" ||
  bad "the first version is kept"
run nurse --json consent list "$subject"
expect_json "consent list --json parses" '.consents | length == 1 and .[0].state == "WITHDRAWN"'
run nurse consent withdraw "$consent" --reason "again"
expect "withdrawing twice is refused by the broker (exit 1)" 1 "FAILED_PRECONDITION"

echo "== break-glass and review"
reason="Risk to a child reported out of hours; the health summary is needed now."
run om record get "$record" --break-glass "too short"
expect "break-glass with a short reason is refused" 1 "PERMISSION_DENIED.*break-glass refused"
run om record get "$record" --break-glass "$reason"
expect "break-glass opens the record" 0 "asthma"
run auditor audit query --subject "$subject" --action record.read
expect "audit query marks the break-glass entry" 0 \
  "probation-east/om-1 \(offender_manager\) +record.read .* allow \(break-glass\) +OK"
grep -qF "$reason" "$work/out" && ok "audit query lists the break-glass reason" ||
  bad "audit query lists the break-glass reason"
grep -qE "probation-east/om-1 \(offender_manager\) +record.read .* allow +OK +consent $consent v1 " \
  "$work/out" && ok "audit query shows the consent as the basis of the read it allowed" ||
  bad "audit query shows the consent as the basis of the read it allowed"
run auditor --json review list
expect_json "review list --json parses" \
  ".items | map(select(.subject_id == \"$subject\" and .outcome == \"REVIEW_OUTCOME_OPEN\")) | length == 2"
expect_json "the nurse's self-claimed relationship is queued for review" \
  ".items | map(select(.subject_id == \"$subject\" and (.reason | startswith(\"self-claimed relationship: \")))) | length == 1"
review=$(jq -r ".items[] | select(.subject_id == \"$subject\" and .reason == \"$reason\") | .review_id" "$work/out")
run auditor review close "$review" --outcome not-justified --note "Risk could wait for the OM."
expect "review close records the outcome" 0 "^outcome +not-justified"
run auditor review close "$review" --outcome justified --note "changed my mind"
expect "closing twice is refused (exit 1)" 1 "FAILED_PRECONDITION"
run auditor review list
grep -q "$review" "$work/out" && bad "a closed item leaves the open list" ||
  ok "a closed item leaves the open list"
run auditor review list --all
expect "review list --all shows closed items" 0 "$review +not-justified"
run auditor check --subject "$subject" --record "$record" \
  --as-agency probation-east --as-user om-1 --as-role offender_manager
expect "an auditor explains another practitioner's decision" 0 "^decision +(allowed|denied)"
run om check --subject "$subject" --record "$record" --as-agency housing-east \
  --as-user housing-1 --as-role housing_officer
expect "a practitioner may not explain another's decision (exit 1)" 1 "PERMISSION_DENIED"

echo "== redaction and ending a relationship"
must resettlement --json record put --subject "$subject" --type accommodation_need \
  --data-class accommodation --label victim_related \
  --body '{"current_status": "no fixed abode", "exclusion_zones": "Synthetic Road area"}'
accommodation=$(field .record_id)
must housing --json relationship start "$subject" --kind allocation \
  --note "Housing assessment before release, booked today."
relationship=$(field .relationship_id)
run housing record get "$accommodation"
expect "victim-related fields are redacted for housing" 0 "^\(victim-related fields redacted\)$"
grep -q "Synthetic Road" "$work/out" && bad "the redacted field is not shown" ||
  ok "the redacted field is not shown"
run housing --json record get "$accommodation"
expect_json "record get --json shows redacted" '.redacted == true'
run housing --json relationship end "$relationship"
expect_json "relationship end --json parses" '.ended_at != null'
run housing record get "$accommodation"
expect "after the relationship ends the record is NOT_FOUND" 1 "NOT_FOUND"

echo "== policy reload"
run as ig-office admin-1 policy_admin audit policy reload
expect "policy reload prints the versions" 0 "^previous_version +sha256:"
run as ig-office admin-1 policy_admin audit --json policy reload
expect_json "policy reload --json parses" '.version | startswith("sha256:")'
run auditor policy reload
expect "the auditor may not reload the policy (exit 1)" 1 "PERMISSION_DENIED"

echo "== whoami and directory"
run nurse whoami
expect "whoami names the agency, its kind and the role" 0 \
  "^agency +hmp-northgate-healthcare \(prison_healthcare\)$"
run nurse --json whoami
expect_json "whoami --json parses, with the roles the agency may grant" \
  '.caller.role == "prison_healthcare" and (.caller.grantable_roles | index("prison_healthcare")) != null and .caller.interface == "grpc"'
run nurse directory
expect "directory lists the agencies with their interfaces" 0 "^probation-east +probation +grpc"
expect "directory lists the adapter formats" 0 "^fhir-r4 +application/fhir\+json +4\.0\.1"
run nurse --json directory
expect_json "directory --json parses: referral types, purposes, data classes" \
  '(.referral_types | map(.referral_type) | index("drug_treatment_on_release")) != null and (.purposes | index("direct_care")) != null and (.data_classes | index("health")) != null'

echo "== token mint"
must as probation-east om-1 offender_manager offender_management token mint --ttl 5m
token=$(cat "$work/out")
run "$cli" --dev-dir "$dev" --server "$server" --agency probation-east --token "$token" \
  --purpose offender_management --json subject get "$subject"
expect_json "the broker accepts a minted token (no user or role given)" \
  ".subject_id == \"$subject\""
run "$cli" --dev-dir "$dev" --server "$server" --agency probation-east \
  --token "${token%?}$([ "${token: -1}" = A ] && echo B || echo A)" \
  --purpose offender_management subject get "$subject"
expect "a token with a broken signature is refused (exit 1)" 1 "UNAUTHENTICATED"

echo "== audit verify, checkpoints, proofs and witnesses"
run auditor --json audit query --subject "$subject" --all
expect_json "audit query --json parses" \
  '.entries | map(select(.basis // "" | startswith("consent con_"))) | length >= 1'
expect_json "audit query --json: 64-bit integers are numbers" \
  '.entries | length > 0 and all(.seq | type == "number")'
run auditor --json audit verify
expect_json "audit verify --json parses" '.verified_entries >= 1 and (.root_hash | length) == 44'
run auditor audit verify
expect "audit verify checks every entry against the signed root" 0 \
  "^audit log verified: [0-9]+ entries hash to the root .* signed by dev.throughcare.invalid/audit/"
must auditor audit checkpoint --out "$work/kept.checkpoint"
if grep -q "^— dev.throughcare.invalid/audit/" "$work/kept.checkpoint"; then
  ok "audit checkpoint writes the signed note (em dash, key name)"
else
  bad "audit checkpoint writes the signed note (em dash, key name)" "$(cat "$work/kept.checkpoint")"
fi
kept_size=$(sed -n 2p "$work/kept.checkpoint")
run auditor audit verify --checkpoint "$work/kept.checkpoint"
expect "audit verify --checkpoint: the kept checkpoint is a prefix of today's" 0 "is a prefix of it"
run auditor audit verify --witnesses 9
expect "too few witness cosignatures fail verification (exit 3)" 3 "fewer than the 9 required"
witness() { as probation-east witness-1 witness audit audit witness --state "$work/witness.state"; }
run witness
expect "audit witness: the first use trusts the checkpoint" 0 "first use"
cosigned=$(sed -n 's/^cosigned the checkpoint of \([0-9]*\) entries.*/\1/p' "$work/out")
run witness
expect "audit witness: the next round is checked against the last" 0 "consistent with the"
run auditor audit checkpoint --size "$cosigned"
expect "the cosigned checkpoint carries the witness's line" 0 \
  "^— dev.throughcare.invalid/witness/probation-east "
must auditor audit prove 3 --out "$work/entry-3.tlog-proof"
log_key=$(cat "$dev/keys/audit-log.vkey")
run "$cli" audit check-proof "$work/entry-3.tlog-proof" --log-key "$log_key"
expect "audit check-proof verifies a bundle with no broker or profile" 0 \
  "^proved: audit entry 3 is in the log"
sed 's/^index 2$/index 1/' "$work/entry-3.tlog-proof" >"$work/moved.tlog-proof"
run "$cli" audit check-proof "$work/moved.tlog-proof" --log-key "$log_key"
expect "a bundle whose entry was moved fails (exit 3)" 3 "seq 3"
run "$cli" audit check-proof "$work/entry-3.tlog-proof" \
  --log-key "$(sed -n 1p "$dev/keys/witnesses.vkeys")"
expect "a bundle checked with another key fails (exit 3)" 3 "not signed by the log key"

echo "== a subject access report"
run auditor audit person --noms C3456DE --html "$work/sar.html" --csv "$work/sar.csv"
expect "audit person finds the person by NOMS number and tells every access" 0 \
  "^  .*\(om-1, offender manager\) read the health summary $record \(version 1\)"
expect "audit person lists what was recorded, without contents" 0 \
  "^  health_summary $record \(health\) held by hmp-northgate-healthcare"
grep -q "^<!DOCTYPE html>" "$work/sar.html" && grep -qF "read the health summary $record" \
  "$work/sar.html" && ok "audit person --html writes the printable page" ||
  bad "audit person --html writes the printable page"
run auditor --json audit person --subject "$subject"
events=$(jq '.events | length' "$work/out")
rows=$(($(grep -c $'\r$' "$work/sar.csv") - 1))
# The JSON report was asked for after the CSV one: it also holds that report's own lookup.
[ "$events" -ge 1 ] && [ "$rows" -ge 1 ] && [ "$events" -ge "$rows" ] &&
  head -1 "$work/sar.csv" | grep -q "^seq,time,agency," &&
  ok "audit person --csv writes one CRLF row per access" ||
  bad "audit person --csv writes one CRLF row per access" "events=$events rows=$rows"
run auditor audit person --noms C3456DE --subject "$subject"
expect "audit person with an identifier and --subject is bad usage (exit 2)" 2 "not both"
run om audit person --subject "$subject"
expect "only auditors get a subject access report (exit 1)" 1 "PERMISSION_DENIED"

echo "== erasure"
dpo() { as ig-office dpo-1 data_protection_officer data_protection "$@"; }
run om erase record "$record" --reason "Erasure request ER-0001, agreed."
expect "only a data protection officer erases (exit 1)" 1 "PERMISSION_DENIED"
run dpo erase record "$record" --reason "short"
expect "an erasure needs a reason (exit 1)" 1 "INVALID_ARGUMENT: reason"
run dpo erase record "$record" --reason "Erasure request ER-0001, agreed."
expect "erase record says what was erased, when and by whom" 0 \
  "^record $record was erased on .* by ig-office \(dpo-1, data protection officer\) on request"
run nurse record get "$record"
expect "an erased record answers NOT_FOUND saying so, even to its owner (exit 1)" 1 \
  "NOT_FOUND.*was erased on"
run dpo --json erase report --from "$(date -u -d '-1 day' +%F)" --until "$(date -u -d '+1 day' +%F)"
expect_json "erase report lists the erasure" \
  ".erasures | map(select(.record_id == \"$record\" and .basis == \"request\")) | length == 1"

echo "== messages"
carat() { as hmp-northgate carat-1 carat_worker direct_care "$@"; }
cjit() { as cjit-east cjit-1 cjit_worker direct_care "$@"; }
assessed=$(date -u -d '-30 days' +%F)
dir="{\"assessment_date\": \"$assessed\", \"substances\": [\"heroin\"]}"
send_dir() {
  carat message send --to cjit-east --subject "$subject" --type drug_interventions_record \
    --data-class drugs --body "$dir" --correlation-id referral-7 "$@"
}
run send_dir --idempotency-key cli-dir-1
expect "without the person's consent the recipient is withheld (exit 1, nobody reached)" 1 \
  "^  cjit-east +withheld .*no active consent"
grep -qE "^error: PERMISSION_DENIED: every recipient was withheld, so message msg_[a-z2-7]+ reaches nobody: cjit-east: .*no active consent" \
  "$work/err" && ok "... and says so on stderr" || bad "... and says so on stderr"
run send_dir --json --idempotency-key cli-dir-1
[ "$status" -eq 1 ] && jq -e '.duplicate == true and .recipients[0].state == "DELIVERY_STATE_WITHHELD"' \
  "$work/out" >/dev/null 2>&1 && tail -n 1 "$work/err" | jq -e '.code == "PERMISSION_DENIED"' >/dev/null &&
  ok "with --json: the response on stdout, the error on stderr" ||
  bad "with --json: the response on stdout, the error on stderr"
must carat consent record --subject "$subject" --data-class drugs --recipient-agency cjit-east \
  --consent-purpose direct_care --until 90d --evidence signed-form --evidence-reference "DIR form"
run send_dir --json --idempotency-key cli-dir-2
expect_json "message send --json: accepted for the recipient" \
  '.duplicate != true and .recipients[0].state == "DELIVERY_STATE_PENDING"'
message=$(field .message_id)
run send_dir --json --idempotency-key cli-dir-2
expect_json "the same key and content return the original message" \
  ".message_id == \"$message\" and .duplicate == true"
run carat message send --to cjit-east --subject "$subject" --type drug_interventions_record \
  --data-class drugs --body "{\"assessment_date\": \"$assessed\", \"substances\": [\"alcohol\"]}" \
  --idempotency-key cli-dir-2
expect "the same key with other content is refused" 1 "ALREADY_EXISTS: idempotency_key"
run send_dir
expect "a send without --key prints the key it made up" 0 "idempotency key: cli_"
run cjit --json message receive --max 10 --lease 30s
expect_json "message receive --json: both messages, in order, with the record" \
  ".deliveries | length == 2 and .[0].message_id == \"$message\" and .[0].attempt == 1
   and .[0].records[0].body.drug_interventions_record.substances == [\"heroin\"]"
lease1=$(field '.deliveries[0].lease_id')
lease2=$(field '.deliveries[1].lease_id')
run cjit message ack "$lease1"
expect "message ack" 0 "$lease1 +$message +acknowledged"
run cjit message ack "$lease2" --reject
expect "--reject needs a reason" 2 "--reason"
run cjit message ack "$lease2" --nack --reason "case system busy"
expect "message ack --nack returns it to the mailbox" 0 "$lease2 .* pending"
run cjit message watch --count 1 --ack
expect "message watch prints the redelivery (attempt 2) and acks it" 0 "^attempt +2"
run carat message status "$message"
expect "message status: acknowledged after one attempt" 0 "^  cjit-east +acknowledged +1 "
run cjit message status "$message"
expect "only the sender's agency tracks a message" 1 "NOT_FOUND"
run carat message receive --ack
expect "the sender's mailbox holds the report of the withheld recipient" 0 \
  "report: message msg_[a-z2-7]+ to cjit-east is withheld"

echo "== referrals"
today=$(date -u +%F)
manager() { as cjit-east manager-1 team_manager performance_reporting "$@"; }
run carat referral resolve --type drug_treatment_on_release --area E99999001
expect "referral resolve names the CJIT's single point of contact" 0 \
  "^contact +East Area CJIT single point of contact"
run carat referral resolve --type drug_treatment_on_release --area E99999005
expect "an uncovered home area is NOT_FOUND (exit 1)" 1 "NOT_FOUND: .*E99999005"
must carat --json record put --subject "$subject" --type drug_interventions_record \
  --data-class drugs --body "$dir"
dir_record=$(field .record_id)
release=$(date -u -d '+10 days' +%F)
run carat --json referral create --type drug_treatment_on_release --subject "$subject" \
  --record "$dir_record" --event-date "$release" --note "Release planned" \
  --idempotency-key cli-ref-1
expect_json "referral create --json: sent to the CJIT for the home area, with deadlines" \
  '.state == "REFERRAL_STATE_SENT" and .receiving_agency == "cjit-east"
   and (.deadlines | length) == 3'
referral=$(field .referral_id)
run cjit referral move "$referral" engaged
expect "an illegal move is refused naming the current state (exit 1)" 1 \
  "FAILED_PRECONDITION: referral is sent"
run cjit referral move "$referral" flying
expect "an unknown state is bad usage (exit 2)" 2 "flying"
run cjit referral move "$referral" accepted
expect "referral move: the CJIT accepts" 0 "^state +accepted"
run cjit referral list --open
expect "referral list: the CJIT's open referral" 0 "^$referral +drug_treatment_on_release +accepted +no "
run cjit referral list --limit 1 --all
expect "referral list --all follows the pages" 0 "^$referral +drug_treatment_on_release"
run carat referral get "$referral"
expect "referral get shows the history" 0 "sent +accepted +cjit-east"
run reception referral release --subject "$subject" --date "$today"
expect "referral release: an accepted referral is not escalated" 0 "no referral escalated"
run cjit referral move "$referral" lost_contact
expect "a final state needs a reason (exit 1)" 1 "reason: required"
must cjit referral move "$referral" appointment_booked --reason "Tuesday 10:00 at the hub"
must cjit referral move "$referral" first_contact
run manager report referrals --from "$(date -u -d "$today -1 day" +%F)" \
  --until "$(date -u -d "$today +2 days" +%F)" \
  --csv "$work/funnel.csv"
# One referral is under the demo policy's threshold of 5: withheld, shown as "<5".
expect "report referrals prints the funnel, small counts withheld as <5" 0 \
  "^  first_contact +<5 +- +- +-$"
grep -qE "^<5: a count withheld" "$work/out" && ok "... with a note that says why" ||
  bad "... with a note that says why"
if grep -qE "^drug_treatment_on_release,E99999001,<5,,,,<5,,,,<5,,,,<5,,,,0,,0.0,0.0," \
  "$work/funnel.csv"; then
  ok "report referrals --csv writes one row per type and area"
else
  bad "report referrals --csv writes one row per type and area" "$(cat "$work/funnel.csv")"
fi
run carat report referrals --from "$today"
expect "a practitioner gets no performance report (exit 1)" 1 "PERMISSION_DENIED"

stop
mkdir "$work/snapshot"
cp "$db"* "$work/snapshot/"
restore() { rm -f "$db"*; cp "$work/snapshot/"* "$dev/data/"; }

# What someone with the database and the signing key can do after changing entries: have every
# leaf, subtree and checkpoint recomputed (the broker re-sequences and re-signs at start).
rebuild="UPDATE audit_entries SET seq = NULL, leaf_hash = NULL; DELETE FROM audit_tree_nodes;
         UPDATE audit_tree_head SET size = 0, root = x''; DELETE FROM audit_cosignatures;
         DELETE FROM audit_checkpoints;"
# Cut well short of the kept checkpoint: the calls below add entries of their own (how many
# depends on when checkpoints fall due), and the log must still be shorter than what was kept.
sqlite3 "$db" "DELETE FROM audit_entries WHERE seq > $((kept_size - 20)); $rebuild"
start
run auditor audit verify
expect "a log cut short and re-signed verifies on its own" 0 "audit log verified"
run auditor audit verify --checkpoint "$work/kept.checkpoint"
expect "... but not against the checkpoint kept from before (exit 3)" 3 "were removed"
stop

restore
sqlite3 "$db" "DELETE FROM audit_entries WHERE seq = 5; $rebuild"
start
run auditor audit verify --checkpoint "$work/kept.checkpoint"
expect "deleting entry 5 and re-signing is caught by the kept checkpoint (exit 3)" 3 "rewritten"
run witness
expect "a witness refuses to cosign the rewritten log (exit 3)" 3 "refusing to cosign"
stop

restore
sqlite3 "$db" "UPDATE audit_entries SET user_id = 'someone-else' WHERE seq = 3"
start
run auditor audit verify
expect "an entry edited on disk fails verification (exit 3) naming it" 3 "audit entry 3: "
stop

finish
