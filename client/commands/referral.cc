// `throughcare referral`: hand a person to another agency's team and track the handoff.
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/commands/args.h"
#include "client/commands/commands.h"
#include "throughcare/v1/referrals.grpc.pb.h"

namespace throughcare::client {
namespace {

struct ReferralCreateArgs {
  std::string referral_type;
  std::string subject_id;
  std::vector<std::string> records;  // "rec_..." or "rec_...@VERSION"
  std::string event_date;            // YYYY-MM-DD
  std::string note;
  std::string recipient_agency;  // for types addressed to a named agency
  std::string idempotency_key;   // empty: a new one, printed on stderr
};

struct ReferralListArgs {
  std::string subject_id;
  bool open_only = false;
  bool overdue_only = false;
  int limit = 0;     // page size; 0: the broker's default
  bool all = false;  // every page, not only the first
};

// States are the API's names in lower case ("accepted", "first_contact", ...).
std::vector<std::string> ReferralStateNames() {
  std::vector<std::string> names;
  const google::protobuf::EnumDescriptor* states = v1::ReferralState_descriptor();
  for (int i = 0; i < states->value_count(); ++i) {
    const auto state = static_cast<v1::ReferralState>(states->value(i)->number());
    if (state != v1::REFERRAL_STATE_UNSPECIFIED) names.push_back(ReferralStateName(state));
  }
  return names;
}

absl::Status ReferralResolve(Session& session, const std::string& referral_type,
                             const std::string& home_area) {
  v1::ResolveRecipientRequest request;
  request.set_referral_type(referral_type);
  request.set_home_area(home_area);
  return CallAndPrint<v1::ReferralService>(
      session, request, &v1::ReferralService::Stub::ResolveRecipient, RenderRecipient);
}

absl::Status ReferralCreate(Session& session, const ReferralCreateArgs& args) {
  v1::CreateReferralRequest request;
  request.set_referral_type(args.referral_type);
  request.set_subject_id(args.subject_id);
  for (const std::string& r : args.records) {
    ASSIGN_OR_RETURN(*request.add_records(), ParseRecordReference(r));
  }
  request.set_event_date(args.event_date);
  request.set_note(args.note);
  request.set_recipient_agency(args.recipient_agency);
  request.set_idempotency_key(IdempotencyKeyOrNew(session, args.idempotency_key, "referral"));
  return CallAndPrint<v1::ReferralService>(
      session, request, &v1::ReferralService::Stub::CreateReferral, RenderReferral);
}

absl::Status ReferralMove(Session& session, const std::string& referral_id,
                          const std::string& state, const std::string& reason) {
  v1::TransitionReferralRequest request;
  request.set_referral_id(referral_id);
  v1::ReferralState to;
  if (!v1::ReferralState_Parse(absl::StrCat("REFERRAL_STATE_", absl::AsciiStrToUpper(state)),
                               &to) ||
      to == v1::REFERRAL_STATE_UNSPECIFIED) {
    return absl::InvalidArgumentError(absl::StrCat("STATE: '", state, "' is not one of ",
                                                   absl::StrJoin(ReferralStateNames(), ", ")));
  }
  request.set_to(to);
  request.set_reason(reason);
  return CallAndPrint<v1::ReferralService>(
      session, request, &v1::ReferralService::Stub::TransitionReferral, RenderReferral);
}

absl::Status ReferralGet(Session& session, const std::string& referral_id) {
  v1::GetReferralRequest request;
  request.set_referral_id(referral_id);
  return CallAndPrint<v1::ReferralService>(
      session, request, &v1::ReferralService::Stub::GetReferral, RenderReferral);
}

absl::Status ReferralList(Session& session, const ReferralListArgs& args) {
  v1::ListReferralsRequest request;
  request.set_subject_id(args.subject_id);
  request.set_open_only(args.open_only);
  request.set_overdue_only(args.overdue_only);
  request.mutable_page()->set_page_size(args.limit);
  ASSIGN_OR_RETURN(v1::ListReferralsResponse all,
                   CollectPages<v1::ListReferralsResponse>(
                       request, args.all,
                       [&](v1::ListReferralsRequest& r) {
                         return CallService<v1::ReferralService>(
                             session, r, &v1::ReferralService::Stub::ListReferrals);
                       },
                       [](v1::ListReferralsResponse& r) { return r.mutable_referrals(); }));
  if (session.json()) return PrintJson(session, all);
  if (all.referrals().empty()) {
    session.err() << "no referrals\n";
  } else {
    session.out() << RenderReferralList(all.referrals());
  }
  if (!all.next_page_token().empty()) session.err() << "more referrals: pass --all\n";
  return absl::OkStatus();
}

absl::Status ReferralRelease(Session& session, const std::string& subject_id,
                             const std::string& release_date) {
  v1::RecordReleaseRequest request;
  request.set_subject_id(subject_id);
  request.set_release_date(release_date);
  return CallAndPrint<v1::ReferralService>(
      session, request, &v1::ReferralService::Stub::RecordRelease,
      [](const v1::RecordReleaseResponse& r) {
        if (r.escalated().empty()) {
          return std::string("release recorded; no referral escalated\n");
        }
        return absl::StrCat(
            "release recorded; escalated at once (not accepted before release):\n",
            RenderReferralList(r.escalated()));
      });
}

void RegisterReferralCreate(CLI::App& referral, CommandContext& ctx) {
  ReferralCreateArgs& args = ctx.Keep<ReferralCreateArgs>();
  CLI::App* create = referral.add_subcommand(
      "create", "Refer a person to the team for their home area, with records");
  create->add_option("--type", args.referral_type, "referral type (see the directory)")
      ->type_name("TYPE")
      ->required();
  create->add_option("--subject", args.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  create
      ->add_option("--record", args.records,
                   "a record your agency owns to send with it, RECORD_ID or RECORD_ID@VERSION "
                   "(repeatable; at least one)")
      ->type_name("REF")
      ->required();
  create
      ->add_option("--event-date", args.event_date,
                   "release (or other event) date the deadlines run from, YYYY-MM-DD")
      ->type_name("DATE");
  create->add_option("--note", args.note, "for the receiving practitioner")->type_name("TEXT");
  create
      ->add_option("--to", args.recipient_agency,
                   "receiving agency, only for types addressed to a named agency")
      ->type_name("AGENCY");
  create
      ->add_option("--idempotency-key", args.idempotency_key,
                   "idempotency key (default: a new one, printed); a retry with the same key "
                   "returns the original referral")
      ->type_name("KEY");
  create->footer(Footer(
      "throughcare --purpose direct_care referral create --type drug_treatment_on_release \\\n"
      "      --subject sub_3f9a0c1d2e --record rec_8d1e... --event-date 2026-12-03 \\\n"
      "      --note 'Methadone 60 ml daily'",
      "The person's consent must let the recipient have the records, or nothing is sent.\n"
      "Deadlines (e.g. acknowledged within 2 working days, accepted before release) are shown\n"
      "with the referral and escalated to both sides and a team manager when missed."));
  ctx.OnRun(create, [&args](Session& s) { return ReferralCreate(s, args); });
}

// The flags of `referral move`, `get` and `release`.
struct ReferralFlags {
  std::string type;
  std::string area;
  std::string referral_id;
  std::string to_state;
  std::string reason;
  std::string subject_id;
  std::string release_date;
};

void RegisterReferralMove(CLI::App& referral, ReferralFlags& f, CommandContext& ctx) {
  CLI::App* move = referral.add_subcommand(
      "move", "Move a referral to a new state; the other side is told");
  move->add_option("REFERRAL_ID", f.referral_id, "the referral")->required();
  move->add_option("STATE", f.to_state, "the new state")
      ->required()
      ->check(CLI::IsMember(ReferralStateNames()));
  move->add_option("--reason", f.reason,
                   "why, or the outcome (required for declined, withdrawn, lost_contact, closed)")
      ->type_name("TEXT");
  move->footer(Footer(
      "throughcare --purpose direct_care referral move ref_4k... declined --reason 'out of area'",
      "The receiving team moves it to received, accepted or declined, then appointment_booked,\n"
      "first_contact (or did_not_attend), assessed, engaged, closed or lost_contact; the\n"
      "referrer may withdraw it. Accepting gives the team a relationship with the person\n"
      "until the referral ends."));
  ctx.OnRun(move,
            [&f](Session& s) { return ReferralMove(s, f.referral_id, f.to_state, f.reason); });
}

void RegisterReferralList(CLI::App& referral, CommandContext& ctx) {
  ReferralListArgs& args = ctx.Keep<ReferralListArgs>();
  CLI::App* list = referral.add_subcommand(
      "list", "Your agency's referrals, sent and received, newest first");
  list->add_option("--subject", args.subject_id, "only about this person")->type_name("ID");
  list->add_flag("--open", args.open_only, "only those not yet ended");
  list->add_flag("--overdue", args.overdue_only, "only those with a deadline missed");
  list->add_option("--limit", args.limit, "page size, 1-1000 (default 100)")
      ->type_name("N")
      ->check(CLI::Range(1, 1000));
  list->add_flag("--all", args.all, "every page, not only the first");
  list->footer(Footer("throughcare --purpose direct_care referral list --open --overdue"));
  ctx.OnRun(list, [&args](Session& s) { return ReferralList(s, args); });
}

void RegisterReferralRelease(CLI::App& referral, ReferralFlags& f, CommandContext& ctx) {
  CLI::App* release = referral.add_subcommand(
      "release", "Record a release; unaccepted release referrals escalate at once");
  release->add_option("--subject", f.subject_id, "subject id of the person")
      ->type_name("ID")
      ->required();
  release->add_option("--date", f.release_date, "release date, YYYY-MM-DD")
      ->type_name("DATE")
      ->required();
  release->footer(Footer(
      "throughcare --purpose offender_management referral release --subject sub_3f9a... "
      "--date 2026-12-03",
      "Decided as writing the person's custody record (prison reception). Storing a\n"
      "release_notification record does the same. Release-relative deadlines (first contact\n"
      "within 5 days of release) run from this date."));
  ctx.OnRun(release,
            [&f](Session& s) { return ReferralRelease(s, f.subject_id, f.release_date); });
}

}  // namespace

void RegisterReferralCommands(CLI::App& app, CommandContext& ctx) {
  CLI::App* referral = app.add_subcommand(
      "referral", "Hand a person to another agency's team and track the handoff");
  referral->require_subcommand(1);
  referral->footer(Footer("throughcare --purpose direct_care referral list --overdue",
                          "States: " + absl::StrJoin(ReferralStateNames(), ", ") + "."));
  ReferralFlags& f = ctx.Keep<ReferralFlags>();

  CLI::App* resolve = referral->add_subcommand(
      "resolve", "Who receives a referral of a type for a person's home area");
  resolve->add_option("--type", f.type, "referral type, e.g. drug_treatment_on_release")
      ->type_name("TYPE")
      ->required();
  resolve->add_option("--area", f.area, "GSS code of the home area, e.g. E06000018")
      ->type_name("CODE")
      ->required();
  resolve->footer(Footer("throughcare --purpose direct_care referral resolve --type "
                         "drug_treatment_on_release --area E99999001"));
  ctx.OnRun(resolve, [&f](Session& s) { return ReferralResolve(s, f.type, f.area); });

  RegisterReferralCreate(*referral, ctx);
  RegisterReferralMove(*referral, f, ctx);

  CLI::App* get =
      referral->add_subcommand("get", "Show a referral with its deadlines and history");
  get->add_option("REFERRAL_ID", f.referral_id, "the referral")->required();
  get->footer(Footer("throughcare --purpose direct_care referral get ref_4k..."));
  ctx.OnRun(get, [&f](Session& s) { return ReferralGet(s, f.referral_id); });

  RegisterReferralList(*referral, ctx);
  RegisterReferralRelease(*referral, f, ctx);
}

}  // namespace throughcare::client
