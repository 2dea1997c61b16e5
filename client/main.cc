// throughcare: the command-line client of the Throughcare broker. This file only declares the
// command line and dispatches to commands.h; exit codes are in connection.h.
#include <grpc/support/log.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "client/bench.h"
#include "client/commands.h"
#include "client/connection.h"

namespace throughcare::client {
namespace {

constexpr char kTopFooter[] =
    R"(Settings (a flag wins over its environment variable, which wins over the profile):
  --profile FILE, or --dev-dir DIR with --agency (profile DIR/profiles/<agency>.yaml, as
  written by `throughcared --dev`) supplies server, ca, certificate, private_key, agency and
  identity_key. The practitioner is --token, or an assertion minted for each call from
  --identity-key with --agency, --user and --role (valid for 10 minutes).

Exit codes:
  0  success
  1  the broker answered with an error ("error: <CODE>: <message>" on stderr)
  2  bad usage or local configuration: a bad flag, an unreadable file, a missing setting
  3  audit verification failed (`audit verify`: a broken chain, or --expect-head not found)
  4  could not reach the broker (UNAVAILABLE or DEADLINE_EXCEEDED while connecting)

Examples:
  throughcare --dev-dir ./dev --agency probation --user jsmith --role probation_officer \
      --purpose offender_management subject resolve --crn X123456
  export THROUGHCARE_PROFILE=~/throughcare/prison.yaml THROUGHCARE_PURPOSE=resettlement
  throughcare record list 0f8b2c6e --json)";

std::string Example(const std::string& text) { return absl::StrCat("Example:\n  ", text); }

// Footer of every subcommand: its example, any notes, and where the global options are.
std::string Footer(const std::string& example, const std::string& notes = "") {
  return absl::StrCat(
      Example(example), notes.empty() ? "" : "\n\n", notes,
      "\n\nConnection, practitioner, --purpose and --json: see throughcare --help.");
}

// Whole numbers from 1 up (CLI::PositiveNumber prints an unreadable range).
const CLI::Validator kAtLeastOne(
    [](std::string& value) {
      int64_t n = 0;
      return absl::SimpleAtoi(value, &n) && n >= 1
                 ? std::string()
                 : std::string("must be a whole number, 1 or more");
    },
    "N>=1");

// Parses a duration flag such as "15m" or "1h30m".
absl::StatusOr<absl::Duration> ParseDurationFlag(const std::string& flag, const std::string& text) {
  absl::Duration d;
  if (!absl::ParseDuration(text, &d) || d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, ": '", text, "' is not a positive duration such as 15m or 1h"));
  }
  return d;
}

void AddIdentifierFlags(CLI::App& cmd, IdentifierFlags& ids) {
  cmd.add_option("--pnc", ids.pnc, "Police National Computer number, e.g. 12/1234567A")
      ->type_name("VALUE");
  cmd.add_option("--noms", ids.noms, "prison (NOMS) number, e.g. A1234BC")->type_name("VALUE");
  cmd.add_option("--crn", ids.crn, "probation case reference number, e.g. X123456")
      ->type_name("VALUE");
  cmd.add_option("--nhs", ids.nhs, "NHS number (10 digits; spaces allowed)")->type_name("VALUE");
  cmd.add_option("--la-ref", ids.la_ref,
                 "local authority reference: <GSS code>/<reference>, e.g. E06000018/HN-2041")
      ->type_name("VALUE");
}

// gRPC's own log lines repeat what the error message says; keep them only when asked for.
void QuietGrpcLogs() {
  if (std::getenv("GRPC_VERBOSITY") == nullptr && std::getenv("GRPC_TRACE") == nullptr) {
    gpr_set_log_function([](gpr_log_func_args*) {});
  }
}

int Run(int argc, char** argv) {
  QuietGrpcLogs();
  GlobalOptions global;
  SettingInputs& in = global.settings;
  // The chosen subcommand; set by its callback, run after parsing.
  std::function<absl::Status(Session&)> action;

  CLI::App app(
      "Throughcare: continuity-of-care records shared between criminal justice, health "
      "and local authority agencies.",
      "throughcare");
  app.fallthrough();  // global options may follow the subcommand
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Print help for every subcommand and exit");
  app.footer(kTopFooter);
  app.get_formatter()->column_width(34);

  const char* kConn = "Connection";
  const char* kWho = "Practitioner";
  const char* kOut = "Request and output";
  app.add_option("--server", in.server, "broker address, host:port")
      ->type_name("HOST:PORT")
      ->envname("THROUGHCARE_SERVER")
      ->group(kConn);
  app.add_option("--ca", in.ca, "PEM file of the CA that issued the broker's certificate")
      ->type_name("FILE")
      ->envname("THROUGHCARE_CA")
      ->group(kConn);
  app.add_option("--cert", in.cert, "PEM client certificate of this agency system")
      ->type_name("FILE")
      ->envname("THROUGHCARE_CERT")
      ->group(kConn);
  app.add_option("--key", in.key, "PEM private key of the client certificate")
      ->type_name("FILE")
      ->envname("THROUGHCARE_KEY")
      ->group(kConn);
  app.add_option("--profile", in.profile, "profile file (YAML) with the settings above")
      ->type_name("FILE")
      ->envname("THROUGHCARE_PROFILE")
      ->group(kConn);
  app.add_option("--dev-dir", in.dev_dir,
                 "a `throughcared --dev` directory; uses DIR/profiles/<agency>.yaml")
      ->type_name("DIR")
      ->envname("THROUGHCARE_DEV_DIR")
      ->group(kConn);
  app.add_option("--token", in.token, "a ready-made practitioner assertion (JWT)")
      ->type_name("JWT")
      ->envname("THROUGHCARE_TOKEN")
      ->group(kWho);
  app.add_option("--identity-key", in.identity_key,
                 "PEM private key of the agency's identity provider, to mint assertions")
      ->type_name("FILE")
      ->envname("THROUGHCARE_IDENTITY_KEY")
      ->group(kWho);
  app.add_option("--agency", in.agency, "agency id (assertion issuer; picks the dev profile)")
      ->type_name("ID")
      ->envname("THROUGHCARE_AGENCY")
      ->group(kWho);
  app.add_option("--user", in.user, "practitioner's user id")
      ->type_name("ID")
      ->envname("THROUGHCARE_USER")
      ->group(kWho);
  app.add_option("--role", in.role, "practitioner's role, e.g. probation_officer")
      ->type_name("ROLE")
      ->envname("THROUGHCARE_ROLE")
      ->group(kWho);
  app.add_option("--purpose", global.purpose,
                 "purpose of use, e.g. direct_care (audit, review, policy: default audit)")
      ->type_name("PURPOSE")
      ->envname("THROUGHCARE_PURPOSE")
      ->group(kOut);
  app.add_option("--request-id", in.request_id,
                 "x-request-id for the call(s), 1-64 of [A-Za-z0-9._-]")
      ->type_name("ID")
      ->group(kOut);
  app.add_flag("--json", global.json, "print responses as JSON (proto field names)")->group(kOut);

  // token
  CLI::App* token = app.add_subcommand("token", "Practitioner assertions");
  token->require_subcommand(1);
  token->footer(Footer("throughcare token mint --ttl 1h"));
  std::string ttl = "15m";
  CLI::App* mint = token->add_subcommand(
      "mint", "Print a practitioner assertion signed with the agency's identity key");
  mint->add_option("--ttl", ttl, "how long it is valid, e.g. 15m or 8h")
      ->type_name("DURATION")
      ->capture_default_str();
  mint->footer(Footer(
      "export THROUGHCARE_TOKEN=$(throughcare --dev-dir ./dev --agency prison --user a.jones "
      "--role carat_worker token mint --ttl 1h)"));
  mint->callback([&] {
    action = [&](Session& s) -> absl::Status {
      absl::StatusOr<absl::Duration> d = ParseDurationFlag("--ttl", ttl);
      if (!d.ok()) return d.status();
      return TokenMint(s, *d);
    };
  });

  // subject
  CLI::App* subject = app.add_subcommand("subject", "Register people and link their identifiers");
  subject->require_subcommand(1);
  subject->footer(Footer("throughcare subject resolve --noms A1234BC"));
  IdentifierFlags ids;
  std::string subject_id;
  std::string home_area;

  CLI::App* reg =
      subject->add_subcommand("register", "Register a person with one or more identifiers");
  AddIdentifierFlags(*reg, ids);
  reg->add_option("--home-area", home_area, "GSS code of the person's home area, e.g. E06000018")
      ->type_name("CODE");
  reg->footer(Footer(
      "throughcare subject register --noms A1234BC --pnc 12/1234567A --home-area E06000018"));
  reg->callback([&] { action = [&](Session& s) { return SubjectRegister(s, ids, home_area); }; });

  CLI::App* get = subject->add_subcommand("get", "Show a person's identifiers and home area");
  get->add_option("SUBJECT_ID", subject_id, "the broker's subject id")->required();
  get->footer(Footer("throughcare subject get sub_3f9a0c1d2e"));
  get->callback([&] { action = [&](Session& s) { return SubjectGet(s, subject_id); }; });

  CLI::App* resolve = subject->add_subcommand(
      "resolve", "Find the person an identifier is linked to (give exactly one identifier)");
  AddIdentifierFlags(*resolve, ids);
  resolve->footer(Footer("throughcare subject resolve --crn X123456"));
  resolve->callback([&] { action = [&](Session& s) { return SubjectResolve(s, ids); }; });

  CLI::App* link = subject->add_subcommand(
      "link", "Link one more identifier to a person (give exactly one identifier)");
  link->add_option("SUBJECT_ID", subject_id, "the broker's subject id")->required();
  AddIdentifierFlags(*link, ids);
  link->footer(Footer("throughcare subject link sub_3f9a0c1d2e --nhs '943 476 5919'"));
  link->callback([&] { action = [&](Session& s) { return SubjectLink(s, subject_id, ids); }; });

  CLI::App* unlink = subject->add_subcommand(
      "unlink", "Remove an identifier from a person (give exactly one identifier)");
  unlink->add_option("SUBJECT_ID", subject_id, "the broker's subject id")->required();
  AddIdentifierFlags(*unlink, ids);
  unlink->footer(Footer("throughcare subject unlink sub_3f9a0c1d2e --pnc 12/1234567A"));
  unlink->callback([&] { action = [&](Session& s) { return SubjectUnlink(s, subject_id, ids); }; });

  CLI::App* area = subject->add_subcommand("set-home-area", "Set a person's home area");
  area->add_option("SUBJECT_ID", subject_id, "the broker's subject id")->required();
  area->add_option("CODE", home_area, "GSS code of the local authority, e.g. E06000018")
      ->required();
  area->footer(Footer("throughcare subject set-home-area sub_3f9a0c1d2e E06000018"));
  area->callback(
      [&] { action = [&](Session& s) { return SubjectSetHomeArea(s, subject_id, home_area); }; });

  // record
  CLI::App* record = app.add_subcommand("record", "Put, get and list a person's records");
  record->require_subcommand(1);
  record->footer(Footer("throughcare record list sub_3f9a0c1d2e"));
  RecordPutArgs put_args;
  std::string record_id;
  int64_t version = 0;

  const std::vector<std::string> types = RecordTypes();
  CLI::App* put =
      record->add_subcommand("put", "Create a record, or add a version to one your agency owns");
  put->add_option("--subject", put_args.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  put->add_option("--type", put_args.type, "record type, i.e. which message the body is")
      ->type_name("TYPE")
      ->required()
      ->check(CLI::IsMember(types));
  put->add_option("--data-class", put_args.data_class,
                  "data class allowed for the type, e.g. health or mental_health for "
                  "health_summary")
      ->type_name("CLASS")
      ->required();
  put->add_option("--label", put_args.labels,
                  "a label (repeatable): sealed, mappa, victim_related, not_convicted")
      ->type_name("LABEL");
  CLI::Option* body = put->add_option("--body", put_args.body_json,
                                      "the contents: the record type's message as JSON")
                          ->type_name("JSON");
  CLI::Option* body_file = put->add_option("--body-file", put_args.body_file,
                                           "file holding the contents as JSON ('-': stdin)")
                               ->type_name("FILE");
  body->excludes(body_file);
  put->add_option("--record-id", put_args.record_id,
                  "add a version to this record (with --expected-version)")
      ->type_name("ID");
  put->add_option("--expected-version", put_args.expected_version,
                  "the latest version you read; ABORTED if it is no longer the latest")
      ->type_name("N")
      ->check(kAtLeastOne);
  put->footer(Footer(
      "throughcare record put --subject sub_3f9a0c1d2e --type health_summary "
      "--data-class health \\\n      --body "
      "'{\"conditions\": [{\"name\": \"asthma\"}], \"gp\": {\"ods_code\": \"A81001\"}}'",
      "Data classes by type: drug_interventions_record and care_plan: drugs; health_summary:\n"
      "health, mental_health; release_notification: custody; accommodation_need: accommodation;\n"
      "risk_summary: risk. The JSON uses the proto field names of the type's message."));
  put->callback([&] { action = [&](Session& s) { return RecordPut(s, put_args); }; });

  CLI::App* rget = record->add_subcommand("get", "Show a record's header and contents");
  rget->add_option("RECORD_ID", record_id, "the record id")->required();
  rget->add_option("--version", version, "a version (default: the latest)")
      ->type_name("N")
      ->check(kAtLeastOne);
  std::string break_glass;
  const char* kBreakGlassHelp =
      "override a refusal, giving your reason (a sentence); audited as break-glass and "
      "reviewed";
  rget->add_option("--break-glass", break_glass, kBreakGlassHelp)->type_name("REASON");
  rget->footer(Footer(
      "throughcare record get rec_8d41b7 --version 2",
      "Prints \"(victim-related fields redacted)\" when the broker removed victim-related fields\n"
      "for your role. --break-glass works only for roles the policy names, and never makes up\n"
      "for a role that lacks the permission; e.g.\n"
      "  throughcare record get rec_8d41b7 --break-glass 'Risk to a child reported out of hours; "
      "OM unavailable'"));
  rget->callback(
      [&] { action = [&](Session& s) { return RecordGet(s, record_id, version, break_glass); }; });

  CLI::App* list = record->add_subcommand(
      "list", "List the latest version of each of a person's records you may read");
  list->add_option("SUBJECT_ID", subject_id, "the broker's subject id")->required();
  list->add_option("--break-glass", break_glass, kBreakGlassHelp)->type_name("REASON");
  list->footer(Footer("throughcare record list sub_3f9a0c1d2e"));
  list->callback(
      [&] { action = [&](Session& s) { return RecordList(s, subject_id, break_glass); }; });

  // audit
  CLI::App* audit = app.add_subcommand("audit", "Query and verify the audit log");
  audit->require_subcommand(1);
  audit->footer(Footer("throughcare audit query --subject sub_3f9a0c1d2e --all"));
  AuditQueryArgs query;
  CLI::App* q = audit->add_subcommand("query", "Show audit entries matching all given filters");
  q->add_option("--subject", query.subject_id, "subject id")->type_name("ID");
  q->add_option("--by-agency", query.agency_id, "only accesses by this agency")->type_name("ID");
  q->add_option("--by-user", query.user_id, "only accesses by this practitioner")->type_name("ID");
  q->add_option("--action", query.action, "e.g. record.read, subject.register, audit.read")
      ->type_name("ACTION");
  q->add_option("--decision", query.decision, "allow or deny")
      ->type_name("DECISION")
      ->check(CLI::IsMember({"allow", "deny"}));
  q->add_option("--from", query.from,
                "RFC 3339 time or date (midnight UTC), inclusive, e.g. 2024-05-01T09:00:00Z")
      ->type_name("TIME");
  q->add_option("--until", query.until, "RFC 3339 time or date, exclusive")->type_name("TIME");
  q->add_option("--limit", query.limit, "entries per page, 1-1000 (default 100)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  q->add_option("--page-token", query.page_token, "continue from a previous page")
      ->type_name("TOKEN");
  q->add_flag("--all", query.all, "fetch every page");
  q->footer(Footer("throughcare audit query --subject sub_3f9a0c1d2e --decision deny --all"));
  q->callback([&] { action = [&](Session& s) { return AuditQuery(s, query); }; });

  std::string timeout = "10m";
  CLI::App* verify =
      audit->add_subcommand("verify", "Download the whole audit log and check its hash chain");
  verify->add_option("--timeout", timeout, "deadline for the whole download")
      ->type_name("DURATION")
      ->capture_default_str();
  std::string expect_head;
  verify
      ->add_option("--expect-head", expect_head,
                   "also require entry SEQ with exactly this hash (a head kept from an "
                   "earlier run)")
      ->type_name("SEQ:HASH");
  verify->footer(Footer(
      "throughcare audit verify --expect-head \"$(cat last-head)\"",
      "Prints \"audit log verified: N entries, head <hash>\" and then \"head SEQ:HASH\"; exits 3\n"
      "naming the first entry that does not verify. Progress goes to stderr.\n\n"
      "A hash chain shows that no entry was changed, removed or reordered, but not that the\n"
      "newest entries were cut off or that the whole log was rewritten. Keep the head line of\n"
      "each run somewhere the broker's operators cannot change, and give it next time:\n"
      "  throughcare audit verify --expect-head 1042:9f86d081884c7d65...\n"
      "verification then also fails (exit 3, naming SEQ) unless the log still holds entry SEQ\n"
      "with exactly that hash. To keep the new head:\n"
      "  throughcare audit verify | sed -n 's/^head //p' > last-head"));
  verify->callback([&] {
    action = [&](Session& s) -> absl::Status {
      absl::StatusOr<absl::Duration> d = ParseDurationFlag("--timeout", timeout);
      if (!d.ok()) return d.status();
      std::optional<AuditHead> head;
      if (!expect_head.empty()) {
        absl::StatusOr<AuditHead> parsed = ParseAuditHead(expect_head);
        if (!parsed.ok()) return parsed.status();
        head = *std::move(parsed);
      }
      return AuditVerify(s, *d, head);
    };
  });

  // review (break-glass)
  CLI::App* review =
      app.add_subcommand("review", "Review break-glass accesses (auditors; purpose audit)");
  review->require_subcommand(1);
  review->footer(Footer("throughcare review list"));
  bool review_all = false;
  CLI::App* rlist = review->add_subcommand("list", "List break-glass accesses awaiting review");
  rlist->add_flag("--all", review_all, "include closed items");
  rlist->footer(
      Footer("throughcare --agency ig-office --user auditor-1 --role auditor review list"));
  rlist->callback([&] { action = [&](Session& s) { return ReviewList(s, review_all); }; });

  std::string review_id;
  std::string outcome;
  std::string review_note;
  CLI::App* rclose = review->add_subcommand("close", "Record the outcome of a break-glass review");
  rclose->add_option("REVIEW_ID", review_id, "the review item's id")->required();
  rclose->add_option("--outcome", outcome, "justified, not-justified or referred")
      ->type_name("OUTCOME")
      ->required()
      ->check(CLI::IsMember({"justified", "not-justified", "referred"}));
  rclose->add_option("--note", review_note, "why (required)")->type_name("TEXT")->required();
  rclose->footer(
      Footer("throughcare review close rev_51c2 --outcome justified --note 'Confirmed with the OM'",
             "The outcome is audited. A closed item cannot be reopened (FAILED_PRECONDITION)."));
  rclose->callback([&] {
    action = [&](Session& s) { return ReviewClose(s, review_id, outcome, review_note); };
  });

  // consent
  CLI::App* consent =
      app.add_subcommand("consent", "Record, withdraw and list a person's consents to share");
  consent->require_subcommand(1);
  consent->footer(Footer("throughcare consent list sub_3f9a0c1d2e --history"));
  ConsentRecordArgs consent_args;
  CLI::App* crecord = consent->add_subcommand(
      "record", "Record a person's consent to share data classes with recipients for purposes");
  crecord->add_option("--subject", consent_args.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  crecord
      ->add_option("--data-class", consent_args.data_classes,
                   "data class(es) the consent covers, e.g. health drugs")
      ->type_name("CLASS")
      ->delimiter(',')
      ->required();
  crecord
      ->add_option("--recipient-agency", consent_args.recipient_agencies,
                   "agency id(s) that may receive them, e.g. probation-east")
      ->type_name("AGENCY")
      ->delimiter(',');
  crecord
      ->add_option("--recipient-kind", consent_args.recipient_kinds,
                   "agency kind(s) whose every agency may receive them, e.g. cjit")
      ->type_name("KIND")
      ->delimiter(',');
  crecord
      ->add_option("--consent-purpose", consent_args.purposes,
                   "purpose(s) of use the consent covers, e.g. offender_management")
      ->type_name("PURPOSE")
      ->delimiter(',')
      ->required();
  crecord->add_option("--from", consent_args.from, "valid from, RFC 3339 (default: now)")
      ->type_name("TIME");
  crecord
      ->add_option("--until", consent_args.until,
                   "valid until (exclusive): RFC 3339, or a duration from --from such as 90d")
      ->type_name("TIME|DURATION")
      ->required();
  crecord
      ->add_option("--evidence", consent_args.evidence,
                   "signed-form, verbal-witnessed or representative")
      ->type_name("KIND")
      ->required()
      ->check(CLI::IsMember(ConsentEvidenceNames()));
  crecord
      ->add_option("--evidence-reference", consent_args.evidence_reference,
                   "where the signed form is kept (required for signed-form)")
      ->type_name("REF");
  crecord
      ->add_option("--evidence-detail", consent_args.evidence_detail,
                   "the witness, or the representative and their standing")
      ->type_name("TEXT");
  crecord->footer(Footer(
      "throughcare --purpose direct_care consent record --subject sub_3f9a0c1d2e \\\n"
      "      --data-class health --recipient-agency probation-east \\\n"
      "      --consent-purpose offender_management --until 90d \\\n"
      "      --evidence signed-form --evidence-reference 'HMP Northgate HC file 2024/117'",
      "--purpose is the purpose of this call (your own work, e.g. direct_care); the purposes the\n"
      "consent covers are --consent-purpose. List flags take several values, repeated or\n"
      "comma-separated. Give at least one --recipient-agency or --recipient-kind."));
  crecord->callback([&] { action = [&](Session& s) { return ConsentRecord(s, consent_args); }; });

  std::string consent_id;
  std::string withdraw_reason;
  CLI::App* cwithdraw = consent->add_subcommand(
      "withdraw", "Withdraw a consent (takes effect on the very next access)");
  cwithdraw->add_option("CONSENT_ID", consent_id, "the consent's id")->required();
  cwithdraw->add_option("--reason", withdraw_reason, "why it is withdrawn (required)")
      ->type_name("TEXT")
      ->required();
  cwithdraw->footer(
      Footer("throughcare consent withdraw con_7e21 --reason 'Withdrawn by the person at review'"));
  cwithdraw->callback([&] {
    action = [&](Session& s) { return ConsentWithdraw(s, consent_id, withdraw_reason); };
  });

  bool consent_history = false;
  CLI::App* clist = consent->add_subcommand(
      "list", "List a person's consents with their state (ACTIVE, EXPIRED, WITHDRAWN, ...)");
  clist->add_option("SUBJECT_ID", subject_id, "the broker's subject id")->required();
  clist->add_flag("--history", consent_history, "every version, not only the latest of each");
  clist->footer(Footer("throughcare consent list sub_3f9a0c1d2e --history"));
  clist->callback(
      [&] { action = [&](Session& s) { return ConsentList(s, subject_id, consent_history); }; });

  // relationship
  CLI::App* relationship = app.add_subcommand(
      "relationship", "Start, end and list legitimate relationships (allocations, custody)");
  relationship->require_subcommand(1);
  relationship->footer(Footer("throughcare relationship list sub_3f9a0c1d2e"));
  std::string kind;
  bool for_me = false;
  std::string relationship_note;
  CLI::App* rstart = relationship->add_subcommand(
      "start", "Start working with a person: your agency's (or, with --for-me, your) relationship");
  rstart->add_option("SUBJECT_ID", subject_id, "the broker's subject id")->required();
  rstart->add_option("--kind", kind, "allocation (a case allocated) or custody (held in prison)")
      ->type_name("KIND")
      ->required()
      ->check(CLI::IsMember({"allocation", "custody"}));
  rstart->add_flag("--for-me", for_me, "only you, not your whole agency");
  rstart->add_option("--note", relationship_note, "a note, e.g. the team")->type_name("TEXT");
  rstart->footer(Footer("throughcare relationship start sub_3f9a0c1d2e --kind allocation --for-me",
                        "Without a relationship the broker answers NOT_FOUND about the person."));
  rstart->callback([&] {
    action = [&](Session& s) {
      return RelationshipStart(s, subject_id, kind, for_me, relationship_note);
    };
  });

  std::string relationship_id;
  CLI::App* rend = relationship->add_subcommand("end", "End one of your agency's relationships");
  rend->add_option("RELATIONSHIP_ID", relationship_id, "the relationship's id")->required();
  rend->footer(Footer("throughcare relationship end rel_0c4d"));
  rend->callback([&] { action = [&](Session& s) { return RelationshipEnd(s, relationship_id); }; });

  CLI::App* rlist2 = relationship->add_subcommand(
      "list", "List who works with a person (needs a relationship yourself)");
  rlist2->add_option("SUBJECT_ID", subject_id, "the broker's subject id")->required();
  rlist2->footer(Footer("throughcare relationship list sub_3f9a0c1d2e --json"));
  rlist2->callback([&] { action = [&](Session& s) { return RelationshipList(s, subject_id); }; });

  // check
  CheckArgs check_args;
  CLI::App* check =
      app.add_subcommand("check", "Explain an access decision without performing the access");
  check->add_option("--subject", check_args.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  CLI::Option* check_record =
      check->add_option("--record", check_args.record_id, "the record to ask about")
          ->type_name("ID");
  CLI::Option* check_class = check
                                 ->add_option("--data-class", check_args.data_class,
                                              "or a data class of the person's data, e.g. drugs")
                                 ->type_name("CLASS");
  check_record->excludes(check_class);
  check->add_option("--action", check_args.action, "the action (default record.read)")
      ->type_name("ACTION");
  check
      ->add_option("--break-glass", check_args.break_glass_reason,
                   "as if breaking glass with this reason")
      ->type_name("REASON");
  CLI::Option* as_agency = check
                               ->add_option("--as-agency", check_args.as_agency,
                                            "auditors: explain for this practitioner's agency ...")
                               ->type_name("ID");
  CLI::Option* as_user =
      check->add_option("--as-user", check_args.as_user, "... user ...")->type_name("ID");
  CLI::Option* as_role =
      check->add_option("--as-role", check_args.as_role, "... and role")->type_name("ROLE");
  check
      ->add_option("--access-purpose", check_args.access_purpose,
                   "the purpose of use of the access asked about (default: --purpose); lets an "
                   "auditor calling with purpose audit explain an offender_management access")
      ->type_name("PURPOSE");
  as_agency->needs(as_user)->needs(as_role);
  as_user->needs(as_agency)->needs(as_role);
  as_role->needs(as_agency)->needs(as_user);
  check->footer(Footer(
      "throughcare --purpose resettlement check --subject sub_3f9a0c1d2e --record rec_8d41b7",
      "Prints allowed or denied, the deciding rule, the reason, the lawful basis, the\n"
      "obligations and each check (role_permission, relationship, lawful_basis, purpose,\n"
      "labels, break_glass) with the policy version. Exits 0 whether the access would be\n"
      "allowed or denied; 1 only if the broker refuses to explain. --purpose is the purpose\n"
      "of use asked about. An auditor explains a practitioner's decision with\n"
      "  --as-agency housing-east --as-user housing-officer-1 --as-role housing_officer\n"
      "  --access-purpose resettlement"));
  check->callback([&] { action = [&](Session& s) { return Check(s, check_args); }; });

  // message
  CLI::App* message = app.add_subcommand(
      "message", "Send records to other agencies' mailboxes; receive and acknowledge your own");
  message->require_subcommand(1);
  message->footer(Footer("throughcare message receive --max 5"));
  MessageSendArgs send_args;
  CLI::App* send = message->add_subcommand(
      "send", "Send records about a person to one or more agencies (answered once durable)");
  send->add_option("--to", send_args.to, "recipient agency id (repeatable)")
      ->type_name("AGENCY")
      ->required();
  send->add_option("--subject", send_args.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  send->add_option("--record", send_args.records,
                   "a record your agency owns, RECORD_ID or RECORD_ID@VERSION (repeatable)")
      ->type_name("REF");
  send->add_option("--type", send_args.inline_record.type,
                   "an inline record's type (created by the send, as `record put` would)")
      ->type_name("TYPE")
      ->check(CLI::IsMember(types));
  send->add_option("--data-class", send_args.inline_record.data_class,
                   "the inline record's data class")
      ->type_name("CLASS");
  send->add_option("--label", send_args.inline_record.labels, "an inline record's label")
      ->type_name("LABEL");
  CLI::Option* send_body = send->add_option("--body", send_args.inline_record.body_json,
                                            "the inline record's contents as JSON")
                               ->type_name("JSON");
  CLI::Option* send_body_file =
      send->add_option("--body-file", send_args.inline_record.body_file,
                       "file holding the inline record's contents ('-': stdin)")
          ->type_name("FILE");
  send_body->excludes(send_body_file);
  send->add_option("--idempotency-key", send_args.idempotency_key,
                   "idempotency key (default: a new one, printed); resending with the same key "
                   "and content returns the original message")
      ->type_name("KEY");
  send->add_option("--correlation-id", send_args.correlation_id,
                   "ties messages together, e.g. a referral id")
      ->type_name("ID");
  send->add_option("--ttl", send_args.ttl,
                   "how long it may wait for each recipient, 1m to 30d (default 5d)")
      ->type_name("DURATION");
  send->footer(Footer(
      "throughcare --purpose direct_care message send --to cjit-east --subject sub_3f9a0c1d2e \\\n"
      "      --type drug_interventions_record --data-class drugs \\\n"
      "      --body '{\"assessment_date\": \"2026-11-02\", \"substances\": [\"heroin\"]}'",
      "Each recipient is accepted or withheld (no data leaves; the reason is shown). Track it\n"
      "with `message status`; reports of withheld, expired and dead-lettered deliveries also\n"
      "arrive in your own mailbox."));
  send->callback([&] { action = [&](Session& s) { return MessageSend(s, send_args); }; });

  int max_messages = 10;
  std::string lease_text = "60s";
  bool auto_ack = false;
  CLI::App* receive = message->add_subcommand(
      "receive", "Lease and print waiting messages from your agency's mailbox");
  receive->add_option("--max", max_messages, "at most this many, 1-100")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  receive->add_option("--lease", lease_text,
                      "how long you hold them before they return to the mailbox (1s-1h)")
      ->type_name("DURATION")
      ->capture_default_str();
  receive->add_flag("--ack", auto_ack, "acknowledge them once printed");
  receive->footer(Footer(
      "throughcare message receive --max 5 --lease 5m",
      "Settle each with `message ack LEASE_ID` before its lease expires, or it is delivered\n"
      "again (attempt 2, 3, ...) and, after the broker's maximum, dead-lettered."));
  receive->callback([&] {
    action = [&](Session& s) -> absl::Status {
      absl::StatusOr<absl::Duration> lease = ParseDurationFlag("--lease", lease_text);
      if (!lease.ok()) return lease.status();
      return MessageReceive(s, max_messages, *lease, auto_ack);
    };
  });

  MessageSettleArgs settle_args;
  std::string retry_after = "0s";
  bool nack = false;
  bool reject = false;
  CLI::App* ack = message->add_subcommand(
      "ack", "Settle leased messages: acknowledge (default), --nack or --reject");
  ack->add_option("LEASE_ID", settle_args.leases, "lease ids from receive or watch")->required();
  CLI::Option* nack_flag = ack->add_flag("--nack", nack, "not processed now: deliver again later");
  CLI::Option* reject_flag =
      ack->add_flag("--reject", reject, "never processable: dead-letter it and tell the sender");
  nack_flag->excludes(reject_flag);
  ack->add_option("--retry-after", retry_after, "with --nack: when to deliver again (0s-1h)")
      ->type_name("DURATION")
      ->capture_default_str();
  ack->add_option("--reason", settle_args.reason, "why (required with --reject)")
      ->type_name("TEXT");
  ack->footer(Footer("throughcare message ack lse_7q2m... --nack --retry-after 10m --reason "
                     "'case system down'",
                     "All or nothing: if one lease is no longer current, none is settled."));
  ack->callback([&] {
    action = [&](Session& s) -> absl::Status {
      settle_args.outcome = nack ? "nack" : (reject ? "reject" : "ack");
      absl::Duration d;
      if (!absl::ParseDuration(retry_after, &d) || d < absl::ZeroDuration()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--retry-after: '", retry_after, "' is not a duration such as 30s"));
      }
      settle_args.retry_after = d;
      return MessageSettle(s, settle_args);
    };
  });

  int credit = 10;
  int watch_count = 0;
  CLI::App* watch = message->add_subcommand(
      "watch", "Subscribe to your agency's mailbox and print messages as they arrive");
  watch->add_option("--credit", credit, "at most this many unacknowledged at once, 1-1000")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  watch->add_option("--lease", lease_text, "lease of each delivery (1s-1h)")
      ->type_name("DURATION")
      ->capture_default_str();
  watch->add_flag("--ack", auto_ack, "acknowledge each once printed");
  watch->add_option("--count", watch_count, "stop after this many (default: run until stopped)")
      ->type_name("N")
      ->check(kAtLeastOne);
  watch->footer(Footer("throughcare message watch --ack --json"));
  watch->callback([&] {
    action = [&](Session& s) -> absl::Status {
      absl::StatusOr<absl::Duration> lease = ParseDurationFlag("--lease", lease_text);
      if (!lease.ok()) return lease.status();
      return MessageWatch(s, credit, *lease, auto_ack, watch_count);
    };
  });

  std::string message_id;
  CLI::App* mstatus = message->add_subcommand(
      "status", "Track a message your agency sent: each recipient's state, attempts and times");
  mstatus->add_option("MESSAGE_ID", message_id, "the message id Send returned")->required();
  mstatus->footer(Footer("throughcare message status msg_5k2q..."));
  mstatus->callback([&] { action = [&](Session& s) { return MessageStatus(s, message_id); }; });

  // referral
  CLI::App* referral = app.add_subcommand(
      "referral", "Hand a person to another agency's team and track the handoff");
  referral->require_subcommand(1);
  referral->footer(Footer("throughcare --purpose direct_care referral list --overdue",
                          "States: " + absl::StrJoin(ReferralStateNames(), ", ") + "."));
  std::string referral_type;
  std::string referral_area;
  CLI::App* rresolve = referral->add_subcommand(
      "resolve", "Who receives a referral of a type for a person's home area");
  rresolve->add_option("--type", referral_type, "referral type, e.g. drug_treatment_on_release")
      ->type_name("TYPE")
      ->required();
  rresolve->add_option("--area", referral_area, "GSS code of the home area, e.g. E06000018")
      ->type_name("CODE")
      ->required();
  rresolve->footer(Footer("throughcare --purpose direct_care referral resolve --type "
                          "drug_treatment_on_release --area E99999001"));
  rresolve->callback([&] {
    action = [&](Session& s) { return ReferralResolve(s, referral_type, referral_area); };
  });

  ReferralCreateArgs referral_args;
  CLI::App* rcreate = referral->add_subcommand(
      "create", "Refer a person to the team for their home area, with records");
  rcreate->add_option("--type", referral_args.referral_type, "referral type (see the directory)")
      ->type_name("TYPE")
      ->required();
  rcreate->add_option("--subject", referral_args.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  rcreate->add_option("--record", referral_args.records,
                      "a record your agency owns to send with it, RECORD_ID or RECORD_ID@VERSION "
                      "(repeatable; at least one)")
      ->type_name("REF")
      ->required();
  rcreate->add_option("--event-date", referral_args.event_date,
                      "release (or other event) date the deadlines run from, YYYY-MM-DD")
      ->type_name("DATE");
  rcreate->add_option("--note", referral_args.note, "for the receiving practitioner")
      ->type_name("TEXT");
  rcreate->add_option("--to", referral_args.recipient_agency,
                      "receiving agency, only for types addressed to a named agency")
      ->type_name("AGENCY");
  rcreate->add_option("--idempotency-key", referral_args.idempotency_key,
                      "idempotency key (default: a new one, printed); a retry with the same key "
                      "returns the original referral")
      ->type_name("KEY");
  rcreate->footer(Footer(
      "throughcare --purpose direct_care referral create --type drug_treatment_on_release \\\n"
      "      --subject sub_3f9a0c1d2e --record rec_8d1e... --event-date 2026-12-03 \\\n"
      "      --note 'Methadone 60 ml daily'",
      "The person's consent must let the recipient have the records, or nothing is sent.\n"
      "Deadlines (e.g. acknowledged within 2 working days, accepted before release) are shown\n"
      "with the referral and escalated to both sides and a team manager when missed."));
  rcreate->callback([&] { action = [&](Session& s) { return ReferralCreate(s, referral_args); }; });

  std::string referral_id;
  std::string to_state;
  std::string move_reason;
  CLI::App* rmove = referral->add_subcommand(
      "move", "Move a referral to a new state; the other side is told");
  rmove->add_option("REFERRAL_ID", referral_id, "the referral")->required();
  rmove->add_option("STATE", to_state, "the new state")
      ->required()
      ->check(CLI::IsMember(ReferralStateNames()));
  rmove->add_option("--reason", move_reason,
                    "why, or the outcome (required for declined, withdrawn, lost_contact, closed)")
      ->type_name("TEXT");
  rmove->footer(Footer(
      "throughcare --purpose direct_care referral move ref_4k... declined --reason 'out of area'",
      "The receiving team moves it to received, accepted or declined, then appointment_booked,\n"
      "first_contact (or did_not_attend), assessed, engaged, closed or lost_contact; the\n"
      "referrer may withdraw it. Accepting gives the team a relationship with the person\n"
      "until the referral ends."));
  rmove->callback([&] {
    action = [&](Session& s) { return ReferralMove(s, referral_id, to_state, move_reason); };
  });

  CLI::App* refget = referral->add_subcommand(
      "get", "Show a referral with its deadlines and history");
  refget->add_option("REFERRAL_ID", referral_id, "the referral")->required();
  refget->footer(Footer("throughcare --purpose direct_care referral get ref_4k..."));
  refget->callback([&] { action = [&](Session& s) { return ReferralGet(s, referral_id); }; });

  ReferralListArgs list_args;
  CLI::App* rlist3 = referral->add_subcommand(
      "list", "Your agency's referrals, sent and received, newest first");
  rlist3->add_option("--subject", list_args.subject_id, "only about this person")
      ->type_name("ID");
  rlist3->add_flag("--open", list_args.open_only, "only those not yet ended");
  rlist3->add_flag("--overdue", list_args.overdue_only, "only those with a deadline missed");
  rlist3->add_option("--limit", list_args.limit, "page size, 1-1000 (default 100)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  rlist3->add_flag("--all", list_args.all, "every page, not only the first");
  rlist3->footer(Footer("throughcare --purpose direct_care referral list --open --overdue"));
  rlist3->callback([&] { action = [&](Session& s) { return ReferralList(s, list_args); }; });

  std::string referral_subject;

  std::string release_date;
  CLI::App* rrelease = referral->add_subcommand(
      "release", "Record a release; unaccepted release referrals escalate at once");
  rrelease->add_option("--subject", referral_subject, "subject id of the person")
      ->type_name("ID")
      ->required();
  rrelease->add_option("--date", release_date, "release date, YYYY-MM-DD")
      ->type_name("DATE")
      ->required();
  rrelease->footer(Footer(
      "throughcare --purpose offender_management referral release --subject sub_3f9a... "
      "--date 2026-12-03",
      "Decided as writing the person's custody record (prison reception). Storing a\n"
      "release_notification record does the same. Release-relative deadlines (first contact\n"
      "within 5 days of release) run from this date."));
  rrelease->callback([&] {
    action = [&](Session& s) { return ReferralRelease(s, referral_subject, release_date); };
  });

  // report
  CLI::App* report = app.add_subcommand("report", "Performance reports (counts only)");
  report->require_subcommand(1);
  ReportReferralsArgs report_args;
  CLI::App* rreferrals = report->add_subcommand(
      "referrals", "The referral funnel: referred, received, accepted, first contact, assessed, "
                   "engaged, with attrition and times");
  rreferrals->add_option("--from", report_args.from,
                         "referrals made from this date (YYYY-MM-DD) or RFC 3339 time")
      ->type_name("DATE")
      ->required();
  rreferrals->add_option("--until", report_args.until, "until this date or time, exclusive "
                                                       "(default: now)")
      ->type_name("DATE");
  rreferrals->add_option("--type", report_args.referral_type, "only one referral type")
      ->type_name("TYPE");
  rreferrals->add_flag("--by-agency", report_args.by_receiving_agency,
                       "one row per receiving agency instead of per home area");
  rreferrals->add_option("--csv", report_args.csv_file,
                         "also write the report as CSV to FILE ('-': CSV on stdout instead)")
      ->type_name("FILE");
  rreferrals->footer(Footer(
      "throughcare --dev-dir ./dev --agency cjit-east --user mgr-1 --role team_manager \\\n"
      "      report referrals --from 2026-11-01 --until 2026-12-01 --csv funnel.csv",
      "Attrition at a stage is the percentage of those reaching the previous stage that did\n"
      "not reach it; times are hours from the referral. --purpose defaults to\n"
      "performance_reporting."));
  rreferrals->callback(
      [&] { action = [&](Session& s) { return ReportReferrals(s, report_args); }; });

  // policy
  CLI::App* policy = app.add_subcommand("policy", "Operate the broker's access policy");
  policy->require_subcommand(1);
  policy->footer(Footer("throughcare policy reload"));
  CLI::App* reload = policy->add_subcommand(
      "reload", "Make the broker re-read its policy file (a bad file is rejected)");
  reload->footer(
      Footer("throughcare --dev-dir ./dev --agency ig-office --user admin-1 "
             "--role policy_admin policy reload",
             "Prints the previous and the new policy version. On a bad file the\n"
             "broker answers INVALID_ARGUMENT with the file and line, and keeps the\n"
             "policy in force. --purpose defaults to audit."));
  reload->callback([&] { action = [&](Session& s) { return PolicyReload(s); }; });

  // health
  CLI::App* health =
      app.add_subcommand("health", "Ask the broker whether it is serving (grpc.health.v1 Check)");
  health->footer(Footer("throughcare --profile prison.yaml health",
                        "Prints SERVING (exit 0) or NOT_SERVING (exit 1)."));
  health->callback([&] { action = [&](Session& s) { return Health(s); }; });

  // bench
  BenchArgs bench_args;
  std::string bench_duration = "10s";
  std::string bench_warmup = "2s";
  CLI::App* bench = app.add_subcommand(
      "bench", "Measure durable send throughput and delivery latency against an echo baseline");
  bench->add_option("--senders", bench_args.senders, "concurrent senders (threads)")
      ->type_name("N")
      ->capture_default_str()
      ->check(kAtLeastOne);
  bench->add_option("--channels", bench_args.channels,
                    "TLS connections the senders share round robin (--senders N: one each)")
      ->type_name("N")
      ->capture_default_str()
      ->check(kAtLeastOne);
  bench->add_option("--duration", bench_duration, "measured time of each phase")
      ->type_name("DURATION")
      ->capture_default_str();
  bench->add_option("--warmup", bench_warmup, "unmeasured time before each phase's measurement")
      ->type_name("DURATION")
      ->capture_default_str();
  bench->add_option("--record-bytes", bench_args.record_bytes,
                    "size of each record's body, and of each echo payload")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  bench->add_option("--sender-agency", bench_args.sender_agency, "the sending agency")
      ->type_name("ID")
      ->capture_default_str();
  bench->add_option("--sender-role", bench_args.sender_role, "the senders' role")
      ->type_name("ROLE")
      ->capture_default_str();
  bench->add_option("--register-role", bench_args.register_role,
                    "the sender agency's role that registers the person and records custody")
      ->type_name("ROLE")
      ->capture_default_str();
  bench->add_option("--recipient-agency", bench_args.recipient_agency, "the receiving agency")
      ->type_name("ID")
      ->capture_default_str();
  bench->add_option("--recipient-role", bench_args.recipient_role, "the subscriber's role")
      ->type_name("ROLE")
      ->capture_default_str();
  bench->footer(Footer(
      "throughcare --dev-dir .run/dev bench --senders 64 --duration 10s",
      "Needs --dev-dir (each practitioner's agency profile; --server overrides its address).\n"
      "Writes a synthetic person, a consent and one message per send: use a development\n"
      "broker with the send rate limit lifted (deploy/bench.sh starts one). Phase 1 calls\n"
      "DiagnosticsService.Echo, phase 2 sends inline drug interventions records to the\n"
      "recipient while one subscriber acks them; each prints progress on stderr, then the\n"
      "rates, latencies, send/echo ratio and messages per commit (goal: >= 0.3 and >= 10 at\n"
      "64 senders with 1024-byte records). Exits 0 whether the goal is met or not."));
  bench->callback([&] {
    bench_args.connection = in;
    action = [&](Session& s) -> absl::Status {
      absl::StatusOr<absl::Duration> duration = ParseDurationFlag("--duration", bench_duration);
      if (!duration.ok()) return duration.status();
      absl::StatusOr<absl::Duration> warmup = ParseDurationFlag("--warmup", bench_warmup);
      if (!warmup.ok()) return warmup.status();
      bench_args.duration = *duration;
      bench_args.warmup = *warmup;
      return Bench(s, bench_args);
    };
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);  // prints help, or the error with a hint
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (!action) {
    std::cerr << "error: no command given (see throughcare --help)\n";
    return kExitUsage;
  }

  Session session(std::move(global), std::cout, std::cerr);
  const absl::Status status = action(session);
  std::cout.flush();
  if (!status.ok()) {
    std::cerr << DescribeError(status) << "\n";
    const std::string request_id = RequestIdOf(status);
    if (!request_id.empty()) std::cerr << "request id: " << request_id << "\n";
  }
  return ExitCodeFor(status);
}

}  // namespace
}  // namespace throughcare::client

int main(int argc, char** argv) { return throughcare::client::Run(argc, argv); }
