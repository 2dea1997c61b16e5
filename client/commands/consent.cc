// `throughcare consent`: record, withdraw and list a person's consents to share.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/commands/args.h"
#include "client/commands/commands.h"
#include "throughcare/v1/consent.grpc.pb.h"

namespace throughcare::client {
namespace {

// The `consent record` flags. `until` is an RFC 3339 time or a duration from `from` (or from
// now) such as 90d or 36h; `evidence` is "signed-form", "verbal-witnessed" or "representative".
struct ConsentRecordArgs {
  std::string subject_id;
  std::vector<std::string> data_classes;
  std::vector<std::string> recipient_agencies;
  std::vector<std::string> recipient_kinds;
  std::vector<std::string> purposes;
  std::string from;  // RFC 3339; empty: now (the broker's clock)
  std::string until;
  std::string evidence;
  std::string evidence_reference;
  std::string evidence_detail;
};

// --until: an RFC 3339 time, or a duration counted from `from`.
absl::StatusOr<google::protobuf::Timestamp> ParseUntilFlag(const std::string& text,
                                                           absl::Time from) {
  absl::Duration duration;
  if (ParsePositiveDuration(text, &duration)) return ToTimestamp(from + duration);
  absl::Time t;
  std::string error;
  if (!absl::ParseTime(absl::RFC3339_full, text, &t, &error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--until: '", text,
                     "' is neither an RFC 3339 time such as 2025-01-31T00:00:00Z nor a duration "
                     "such as 90d or 36h"));
  }
  return ToTimestamp(t);
}

// The --evidence values, in ConsentEvidence order.
std::vector<std::string> ConsentEvidenceNames() {
  return {"signed-form", "verbal-witnessed", "representative"};
}

absl::Status ConsentRecord(Session& session, const ConsentRecordArgs& args) {
  v1::RecordConsentRequest request;
  request.set_subject_id(args.subject_id);
  for (const std::string& c : args.data_classes) request.add_data_classes(c);
  for (const std::string& a : args.recipient_agencies) request.add_recipient_agencies(a);
  for (const std::string& k : args.recipient_kinds) request.add_recipient_kinds(k);
  for (const std::string& p : args.purposes) request.add_purposes(p);
  if (args.recipient_agencies.empty() && args.recipient_kinds.empty()) {
    return absl::InvalidArgumentError(
        "give at least one recipient: --recipient-agency or --recipient-kind");
  }
  absl::Time from = absl::Now();
  if (!args.from.empty()) {
    ASSIGN_OR_RETURN(*request.mutable_valid_from(), ParseTimestampFlag("--from", args.from));
    from = FromTimestamp(request.valid_from());
  }
  ASSIGN_OR_RETURN(*request.mutable_valid_until(), ParseUntilFlag(args.until, from));
  const std::vector<std::string> evidence = ConsentEvidenceNames();
  const v1::ConsentEvidence kinds[] = {v1::CONSENT_EVIDENCE_SIGNED_FORM,
                                       v1::CONSENT_EVIDENCE_VERBAL_WITNESSED,
                                       v1::CONSENT_EVIDENCE_REPRESENTATIVE};
  for (size_t i = 0; i < evidence.size(); ++i) {
    if (args.evidence == evidence[i]) request.set_evidence(kinds[i]);
  }
  if (request.evidence() == v1::CONSENT_EVIDENCE_UNSPECIFIED) {
    return absl::InvalidArgumentError(
        "--evidence: must be signed-form, verbal-witnessed or representative");
  }
  if (request.evidence() == v1::CONSENT_EVIDENCE_SIGNED_FORM && args.evidence_reference.empty()) {
    return absl::InvalidArgumentError(
        "--evidence-reference: required with --evidence signed-form (where the form is kept)");
  }
  if (request.evidence() != v1::CONSENT_EVIDENCE_SIGNED_FORM && args.evidence_detail.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--evidence-detail: required with --evidence ", args.evidence,
                     request.evidence() == v1::CONSENT_EVIDENCE_VERBAL_WITNESSED
                         ? " (who witnessed it)"
                         : " (who the representative is, and their standing)"));
  }
  request.set_evidence_reference(args.evidence_reference);
  request.set_evidence_detail(args.evidence_detail);
  return CallAndPrint<v1::ConsentService>(
      session, request, &v1::ConsentService::Stub::RecordConsent, RenderConsent);
}

absl::Status ConsentWithdraw(Session& session, const std::string& consent_id,
                             const std::string& reason) {
  if (absl::StripAsciiWhitespace(reason).empty()) {
    return absl::InvalidArgumentError("--reason: required; say why the consent is withdrawn");
  }
  v1::WithdrawConsentRequest request;
  request.set_consent_id(consent_id);
  request.set_reason(reason);
  return CallAndPrint<v1::ConsentService>(
      session, request, &v1::ConsentService::Stub::WithdrawConsent, RenderConsent);
}

absl::Status ConsentList(Session& session, const std::string& subject_id, bool history) {
  v1::ListConsentsRequest request;
  request.set_subject_id(subject_id);
  request.set_include_history(history);
  ASSIGN_OR_RETURN(
      v1::ListConsentsResponse response,
      CallService<v1::ConsentService>(session, request, &v1::ConsentService::Stub::ListConsents));
  if (!session.json() && response.consents().empty()) {
    session.err() << "no consents recorded for this person that you may read\n";
    return absl::OkStatus();
  }
  return Print(session, response,
               [](const v1::ListConsentsResponse& r) { return RenderConsentList(r.consents()); });
}

void RegisterConsentRecord(CLI::App& consent, CommandContext& ctx) {
  ConsentRecordArgs& args = ctx.Keep<ConsentRecordArgs>();
  CLI::App* record = consent.add_subcommand(
      "record", "Record a person's consent to share data classes with recipients for purposes");
  record->add_option("--subject", args.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  record
      ->add_option("--data-class", args.data_classes,
                   "data class(es) the consent covers, e.g. health drugs")
      ->type_name("CLASS")
      ->delimiter(',')
      ->required();
  record
      ->add_option("--recipient-agency", args.recipient_agencies,
                   "agency id(s) that may receive them, e.g. probation-east")
      ->type_name("AGENCY")
      ->delimiter(',');
  record
      ->add_option("--recipient-kind", args.recipient_kinds,
                   "agency kind(s) whose every agency may receive them, e.g. cjit")
      ->type_name("KIND")
      ->delimiter(',');
  record
      ->add_option("--consent-purpose", args.purposes,
                   "purpose(s) of use the consent covers, e.g. offender_management")
      ->type_name("PURPOSE")
      ->delimiter(',')
      ->required();
  record->add_option("--from", args.from, "valid from, RFC 3339 (default: now)")
      ->type_name("TIME");
  record
      ->add_option("--until", args.until,
                   "valid until (exclusive): RFC 3339, or a duration from --from such as 90d")
      ->type_name("TIME|DURATION")
      ->required();
  record
      ->add_option("--evidence", args.evidence, "signed-form, verbal-witnessed or representative")
      ->type_name("KIND")
      ->required()
      ->check(CLI::IsMember(ConsentEvidenceNames()));
  record
      ->add_option("--evidence-reference", args.evidence_reference,
                   "where the signed form is kept (required for signed-form)")
      ->type_name("REF");
  record
      ->add_option("--evidence-detail", args.evidence_detail,
                   "the witness, or the representative and their standing")
      ->type_name("TEXT");
  record->footer(Footer(
      "throughcare --purpose direct_care consent record --subject sub_3f9a0c1d2e \\\n"
      "      --data-class health --recipient-agency probation-east \\\n"
      "      --consent-purpose offender_management --until 90d \\\n"
      "      --evidence signed-form --evidence-reference 'HMP Northgate HC file 2024/117'",
      "--purpose is the purpose of this call (your own work, e.g. direct_care); the purposes the\n"
      "consent covers are --consent-purpose. List flags take several values, repeated or\n"
      "comma-separated. Give at least one --recipient-agency or --recipient-kind."));
  ctx.OnRun(record, [&args](Session& s) { return ConsentRecord(s, args); });
}

// The flags of `consent withdraw` and `consent list`.
struct ConsentFlags {
  std::string consent_id;
  std::string reason;
  std::string subject_id;
  bool history = false;
};

}  // namespace

void RegisterConsentCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* consent =
      app.add_subcommand("consent", "Record, withdraw and list a person's consents to share");
  consent->require_subcommand(1);
  consent->footer(Footer("throughcare consent list sub_3f9a0c1d2e --history"));
  RegisterConsentRecord(*consent, ctx);
  ConsentFlags& f = ctx.Keep<ConsentFlags>();

  CLI::App* withdraw = consent->add_subcommand(
      "withdraw", "Withdraw a consent (takes effect on the very next access)");
  withdraw->add_option("CONSENT_ID", f.consent_id, "the consent's id")->required();
  withdraw->add_option("--reason", f.reason, "why it is withdrawn (required)")
      ->type_name("TEXT")
      ->required();
  withdraw->footer(
      Footer("throughcare consent withdraw con_7e21 --reason 'Withdrawn by the person at review'"));
  ctx.OnRun(withdraw, [&f](Session& s) { return ConsentWithdraw(s, f.consent_id, f.reason); });

  CLI::App* list = consent->add_subcommand(
      "list", "List a person's consents with their state (ACTIVE, EXPIRED, WITHDRAWN, ...)");
  list->add_option("SUBJECT_ID", f.subject_id, "the broker's subject id")->required();
  list->add_flag("--history", f.history, "every version, not only the latest of each");
  list->footer(Footer("throughcare consent list sub_3f9a0c1d2e --history"));
  ctx.OnRun(list, [&f](Session& s) { return ConsentList(s, f.subject_id, f.history); });
}

}  // namespace throughcare::client
