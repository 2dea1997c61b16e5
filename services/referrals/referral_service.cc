#include "services/referrals/referral_service.h"

#include <algorithm>
#include <map>
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/policy/authorize.h"
#include "throughcare/audit_actions.h"
#include "throughcare/status_macros.h"

namespace throughcare::referrals {
namespace {

// Referral messages wait this long for the receiving agency.
constexpr absl::Duration kReferralTimeToLive = absl::Hours(24 * 30);
// Referrals a sweep escalates in one transaction; the next sweep takes the rest.
constexpr int kSweepBatch = 100;
// The shortest period a funnel report covers.
constexpr absl::Duration kMinReportPeriod = absl::Hours(24);

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string NoSuchReferral(absl::string_view id) {
  return absl::StrCat("referral_id: no referral ", id);
}


// A replay with the same idempotency key must ask for the same referral.
bool SameRequest(const Referral& r, const CreateParams& p) {
  if (r.referral_type != p.referral_type || r.subject_id != p.subject_id || r.note != p.note ||
      r.event_date != p.event_date || r.records.size() != p.records.size() ||
      (!p.recipient_agency.empty() && r.receiving_agency != p.recipient_agency)) {
    return false;
  }
  for (size_t i = 0; i < p.records.size(); ++i) {
    if (r.records[i].record_id != p.records[i].record_id ||
        (p.records[i].version != 0 && r.records[i].version != p.records[i].version)) {
      return false;
    }
  }
  return true;
}

std::optional<absl::Time>* StageTime(Referral& r, ReferralState s) {
  switch (s) {
    case ReferralState::kReceived:
      return &r.received_at;
    case ReferralState::kAccepted:
      return &r.accepted_at;
    case ReferralState::kFirstContact:
      return &r.first_contact_at;
    case ReferralState::kAssessed:
      return &r.assessed_at;
    case ReferralState::kEngaged:
      return &r.engaged_at;
    default:
      return nullptr;
  }
}

}  // namespace

absl::Status ReferralService::Notify(WriteTx& tx, const Referral& referral,
                                     const std::string& agency, MessageKind kind,
                                     std::string reason, std::string for_role) const {
  Message m;
  m.kind = kind;
  m.subject_id = referral.subject_id;
  const ReferralType* type = directory_.FindType(referral.referral_type);
  m.purpose = type != nullptr ? type->purpose : "";
  m.correlation_id = referral.referral_id;
  m.notice_referral_state = referral.state;
  m.notice_reason = std::move(reason);
  m.notice_for_role = std::move(for_role);
  return messaging_.Enqueue(tx, std::move(m), agency, clock_.Now());
}

void ReferralService::Create(const CallContext& ctx, CreateParams p,
                             audit::Reply<Referral> reply) {
  audit::RunAudited<Referral>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kReferralCreate),
      [this, policy = policies_.Current(), ctx, p = std::move(p)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Referral> {
        return CreateInTx(tx, *policy, ctx, p, entry);
      },
      std::move(reply));
}

absl::StatusOr<Referral> ReferralService::CreateInTx(WriteTx& tx, const policy::Policy& policy,
                                                     const CallContext& ctx,
                                                     const CreateParams& p,
                                                     AuditEntry& entry) const {
  const absl::Time now = clock_.Now();
  entry.subject_id = p.subject_id;
  const ReferralType* type = directory_.FindType(p.referral_type);
  if (type == nullptr) {
    entry.reason = "unknown referral type";
    return directory_.Resolve(p.referral_type, "").status();  // names the known types
  }
  absl::StatusOr<Referral> earlier =
      tx.FindReferralByIdempotencyKey(ctx.principal.agency_id, p.idempotency_key);
  if (earlier.ok()) {
    if (!SameRequest(*earlier, p)) {
      entry.reason = "idempotency key reused for another referral";
      return absl::AlreadyExistsError(
          absl::StrCat("idempotency_key: '", p.idempotency_key, "' was used for referral ",
                       earlier->referral_id, " with different content"));
    }
    entry.decision = AuditDecision::kAllow;
    entry.basis = "replay of an accepted referral";
    entry.reason = absl::StrCat("idempotent replay of referral ", earlier->referral_id);
    return earlier;
  }
  if (!absl::IsNotFound(earlier.status())) return earlier.status();

  // The referrer must work with the person, and may make this kind of referral.
  const std::string not_found = absl::StrCat("subject_id: no subject ", p.subject_id);
  ASSIGN_OR_RETURN(policy::PersonContext person,
                   policy::AuthorizeListing(policy, ctx, tx, p.subject_id, now, entry, not_found));
  policy::Target target;
  target.action = std::string(policy::kReferralWrite);
  target.data_class = type->data_class;
  target.person = &person;
  RETURN_IF_ERROR(policy::Authorize(policy, ctx, target, now, entry, not_found).status());

  ASSIGN_OR_RETURN(Subject subject, tx.GetSubject(p.subject_id));
  ASSIGN_OR_RETURN(Recipient recipient, Route(*type, subject, p, ctx));
  Referral r;
  r.referral_id = ids_.NewId("ref");
  r.referral_type = type->id;
  r.subject_id = p.subject_id;
  r.home_area = subject.home_area;
  r.referring_agency = ctx.principal.agency_id;
  r.referring_user = ctx.principal.user_id;
  r.receiving_agency = recipient.agency_id;
  r.contact = recipient.contact;
  r.state = ReferralState::kSent;
  r.event_date = p.event_date;
  r.note = p.note;
  r.idempotency_key = p.idempotency_key;
  r.created_at = now;
  r.updated_at = now;
  RETURN_IF_ERROR(SendRecords(tx, policy, ctx, p, r, entry));

  for (const DeadlineRule& rule : type->deadlines) {
    ReferralDeadline d;
    d.name = rule.name;
    d.reach = rule.reach;
    d.due_at = DueAt(rule, now, r.event_date, directory_.calendar());
    d.supervisor_role = rule.supervisor_role;
    r.deadlines.push_back(std::move(d));
  }
  r.history.push_back(ReferralTransition{ReferralState::kSent, ReferralState::kSent,
                                         ctx.principal.agency_id, ctx.principal.user_id,
                                         "referred", now});
  RETURN_IF_ERROR(tx.InsertReferral(r));
  entry.record_id = r.records.front().record_id;
  entry.record_version = r.records.front().version;
  entry.reason = absl::StrCat("referral ", r.referral_id, " (", r.referral_type, ") to agency '",
                              r.receiving_agency, "'");
  return r;
}

absl::StatusOr<Recipient> ReferralService::Route(const ReferralType& type, const Subject& subject,
                                                 const CreateParams& p,
                                                 const CallContext& ctx) const {
  absl::StatusOr<Recipient> recipient;
  if (type.by_home_area) {
    if (subject.home_area.empty()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "subject_id: the person has no home area, which routes ", type.id,
          " referrals; record it first (SetHomeArea)"));
    }
    recipient = directory_.Resolve(type.id, subject.home_area);
    if (!recipient.ok()) return absl::FailedPreconditionError(recipient.status().message());
  } else {
    if (p.recipient_agency.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "recipient_agency: required: ", type.id, " referrals are addressed to a named agency"));
    }
    recipient = directory_.Named(type.id, p.recipient_agency);
    if (!recipient.ok()) return absl::InvalidArgumentError(recipient.status().message());
  }
  if (recipient->agency_id == ctx.principal.agency_id) {
    return absl::InvalidArgumentError(absl::StrCat(
        "referral_type: your own agency receives ", type.id, " referrals for this person"));
  }
  for (const DeadlineRule& rule : type.deadlines) {
    if (rule.from == DeadlineRule::From::kEvent && !p.event_date.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("event_date: required for ", type.id,
                                                     " referrals (deadline '", rule.name,
                                                     "' runs from it)"));
    }
  }
  return recipient;
}

absl::Status ReferralService::SendRecords(WriteTx& tx, const policy::Policy& policy,
                                          const CallContext& ctx, const CreateParams& p,
                                          Referral& r, AuditEntry& entry) const {
  // The records travel as a message, decided by the policy as any message is; a recipient that
  // may not have them is not sent a referral either.
  messaging::SendParams send;
  send.recipients = {r.receiving_agency};
  send.subject_id = p.subject_id;
  send.records = p.records;
  send.idempotency_key = absl::StrCat("referral:", r.referral_id);
  send.correlation_id = r.referral_id;
  send.time_to_live = kReferralTimeToLive;
  AuditEntry sent = audit_log_.Begin(ctx, policy::kMessageSend);
  absl::StatusOr<messaging::SendResult> message =
      messaging_.SendInTx(tx, policy, ctx, send, sent);
  if (!message.ok()) {
    entry.decision = sent.decision;
    entry.reason = absl::StrCat("the referral's message: ", sent.reason);
    return message.status();
  }
  const Delivery& delivery = message->deliveries.front();
  if (delivery.state == DeliveryState::kWithheld) {
    entry.decision = AuditDecision::kDeny;
    entry.basis.clear();
    entry.reason = absl::StrCat("recipient withheld: ", delivery.reason);
    return absl::FailedPreconditionError(
        absl::StrCat("records: agency '", r.receiving_agency, "' may not receive them (",
                     delivery.reason, "); nothing was sent"));
  }
  sent.outcome = "OK";
  RETURN_IF_ERROR(audit_log_.Append(tx, std::move(sent)));
  r.message_id = message->message.message_id;
  r.records = message->message.records;
  return absl::OkStatus();
}

absl::StatusOr<Referral> ReferralService::Party(WriteTx& tx, const policy::Policy& policy,
                                                const CallContext& ctx,
                                                absl::string_view referral_id,
                                                absl::string_view action,
                                                AuditEntry& entry) const {
  const std::string not_found = NoSuchReferral(referral_id);
  absl::StatusOr<Referral> r = tx.GetReferral(referral_id);
  if (!r.ok() && !absl::IsNotFound(r.status())) return r.status();
  // Only the two sides know of a referral; to anyone else it does not exist.
  if (!r.ok() || (r->referring_agency != ctx.principal.agency_id &&
                  r->receiving_agency != ctx.principal.agency_id)) {
    entry.reason = r.ok() ? "not a party to the referral" : "no such referral";
    return absl::NotFoundError(not_found);
  }
  entry.subject_id = r->subject_id;
  const ReferralType* type = directory_.FindType(r->referral_type);
  if (type == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "referral type '", r->referral_type, "' is no longer in the broker's directory"));
  }
  policy::Target target;
  target.action = std::string(action);
  target.data_class = type->data_class;
  RETURN_IF_ERROR(policy::AuthorizeAbout(policy, ctx, tx, r->subject_id, true, target,
                                         clock_.Now(), entry, not_found)
                      .status());
  return r;
}

void ReferralService::Transition(const CallContext& ctx, std::string referral_id,
                                 ReferralState to, std::string reason,
                                 audit::Reply<Referral> reply) {
  audit::RunAudited<Referral>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kReferralTransition),
      [this, policy = policies_.Current(), ctx, referral_id = std::move(referral_id), to,
       reason = std::move(reason)](WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Referral> {
        return TransitionInTx(tx, *policy, ctx, referral_id, to, reason, entry);
      },
      std::move(reply));
}

absl::StatusOr<Referral> ReferralService::TransitionInTx(WriteTx& tx,
                                                         const policy::Policy& policy,
                                                         const CallContext& ctx,
                                                         const std::string& referral_id,
                                                         ReferralState to,
                                                         const std::string& reason,
                                                         AuditEntry& entry) const {
  ASSIGN_OR_RETURN(Referral r, Party(tx, policy, ctx, referral_id, policy::kReferralWrite, entry));
  const Side side =
      r.referring_agency == ctx.principal.agency_id ? Side::kReferrer : Side::kReceiver;
  if (absl::Status s = CheckTransition(r.state, to, side); !s.ok()) {
    entry.reason = absl::StrCat(entry.reason, "; ", s.message());
    return s;
  }
  if (NeedsReason(to) && reason.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("reason: required when moving a referral to ", StateName(to)));
  }
  const absl::Time now = clock_.Now();
  const ReferralState from = r.state;
  r.state = to;
  if (IsFinal(to)) r.reason = reason;
  if (std::optional<absl::Time>* at = StageTime(r, to); at != nullptr && !at->has_value()) {
    *at = now;
  }
  for (ReferralDeadline& d : r.deadlines) {
    if (!d.met_at.has_value() && Meets(to, d.reach)) d.met_at = now;
  }
  RETURN_IF_ERROR(MoveSideEffects(tx, policy, ctx, r, to, now));
  r.history.push_back(ReferralTransition{from, to, ctx.principal.agency_id,
                                         ctx.principal.user_id, reason, now});
  r.updated_at = now;
  RETURN_IF_ERROR(tx.UpdateReferral(r));
  const std::string& other = side == Side::kReferrer ? r.receiving_agency : r.referring_agency;
  RETURN_IF_ERROR(Notify(tx, r, other, MessageKind::kReferralUpdate, reason, ""));
  entry.reason = absl::StrCat(entry.reason, "; referral ", r.referral_id, " ", StateName(from),
                              " -> ", StateName(to));
  return r;
}

absl::Status ReferralService::MoveSideEffects(WriteTx& tx, const policy::Policy& policy,
                                              const CallContext& ctx, Referral& r,
                                              ReferralState to, absl::Time now) const {
  if (to == ReferralState::kAccepted) {
    Relationship rel;
    rel.relationship_id = ids_.NewId("rel");
    rel.subject_id = r.subject_id;
    rel.kind = RelationshipKind::kReferral;
    rel.agency_id = r.receiving_agency;
    rel.started_at = now;
    rel.started_by_agency = ctx.principal.agency_id;
    rel.started_by_user = ctx.principal.user_id;
    rel.note = absl::StrCat("referral ", r.referral_id, " (", r.referral_type, ")");
    RETURN_IF_ERROR(tx.InsertRelationship(rel));
    r.relationship_id = rel.relationship_id;
  }
  if (IsFinal(to) && !r.relationship_id.empty()) {
    absl::Status ended = tx.EndRelationship(r.relationship_id, now, ctx.principal.user_id);
    // Ended already by its agency: nothing more to do.
    if (!ended.ok() && !absl::IsFailedPrecondition(ended)) return ended;
  }
  if (to == ReferralState::kWithdrawn || to == ReferralState::kDeclined) {
    // Not yet picked up: the records stay where they are.
    RETURN_IF_ERROR(messaging_
                        .Recall(tx, policy, ctx, r.message_id,
                                absl::StrCat("referral ", r.referral_id, " was withdrawn"))
                        .status());
  }
  return absl::OkStatus();
}

void ReferralService::Get(const CallContext& ctx, std::string referral_id,
                          audit::Reply<Referral> reply) {
  audit::RunAudited<Referral>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kReferralRead),
      [this, policy = policies_.Current(), ctx, referral_id = std::move(referral_id)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<Referral> {
        return Party(tx, *policy, ctx, referral_id, policy::kReferralRead, entry);
      },
      std::move(reply));
}

absl::Status ReferralService::Escalate(WriteTx& tx, const policy::Policy& policy,
                                       const Referral& r, const std::string& reason,
                                       const std::string& supervisor_role) const {
  for (const std::string& agency : {r.referring_agency, r.receiving_agency}) {
    RETURN_IF_ERROR(Notify(tx, r, agency, MessageKind::kEscalation, reason, supervisor_role));
  }
  AuditEntry e = audit_log_.Begin(BrokerContext(r.receiving_agency), audit::kReferralEscalate);
  e.subject_id = r.subject_id;
  e.decision = AuditDecision::kAllow;
  e.basis = "the referral type's deadlines";
  e.reason = absl::StrCat("referral ", r.referral_id, ": ", reason, "; escalated to ",
                          supervisor_role);
  e.policy_version = policy.version();
  e.outcome = "OK";
  return audit_log_.Append(tx, std::move(e));
}

void ReferralService::List(const CallContext& ctx, ListFilter filter,
                           audit::Reply<ReferralPage> reply) {
  audit::RunAudited<ReferralPage>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kReferralList),
      [this, policy = policies_.Current(), ctx, filter = std::move(filter)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<ReferralPage> {
        const absl::Time now = clock_.Now();
        // The person context of each person listed, loaded once.
        std::map<std::string, policy::PersonContext> people;
        if (!filter.subject_id.empty()) {
          entry.subject_id = filter.subject_id;
          ASSIGN_OR_RETURN(people[filter.subject_id],
                           policy::AuthorizeListing(
                               *policy, ctx, tx, filter.subject_id, now, entry,
                               absl::StrCat("subject_id: no subject ", filter.subject_id)));
        }
        ReferralQuery query;
        query.agency_id = ctx.principal.agency_id;
        query.subject_id = filter.subject_id;
        query.open_only = filter.open_only;
        if (filter.overdue_only) query.overdue_at = now;
        query.after = filter.after;
        query.limit = filter.page_size;
        ASSIGN_OR_RETURN(std::vector<Referral> all, tx.ListReferralsForAgency(query));
        ReferralPage page;
        if (static_cast<int>(all.size()) == filter.page_size && !all.empty()) {
          page.next = ReferralCursor{all.back().created_at, all.back().referral_id};
        }
        std::vector<Referral>& visible = page.referrals;
        std::map<std::string, std::vector<std::string>> disclosed;  // person -> referral ids
        size_t withheld = 0;
        for (Referral& r : all) {
          const ReferralType* type = directory_.FindType(r.referral_type);
          auto person = people.find(r.subject_id);
          if (person == people.end()) {
            ASSIGN_OR_RETURN(policy::PersonContext loaded,
                             policy::LoadPersonContext(tx, r.subject_id));
            person = people.emplace(r.subject_id, std::move(loaded)).first;
          }
          policy::Target target;
          target.action = std::string(policy::kReferralRead);
          target.data_class = type != nullptr ? type->data_class : "";
          target.person = &person->second;
          if (type == nullptr || !policy->Decide(policy::MakeRequest(ctx, target, now)).allowed) {
            ++withheld;
            continue;
          }
          disclosed[r.subject_id].push_back(r.referral_id);
          visible.push_back(std::move(r));
        }
        entry.decision = visible.empty() && withheld > 0 ? AuditDecision::kDeny
                                                         : AuditDecision::kAllow;
        entry.basis.clear();
        entry.reason = absl::StrCat("listed ", visible.size(), " referrals of agency '",
                                    ctx.principal.agency_id, "' about ", disclosed.size(),
                                    " people; ", withheld, " withheld from role '",
                                    ctx.principal.role, "' for purpose '", ctx.purpose, "'");
        // An auditor asking about a person finds every listing that disclosed them.
        if (filter.subject_id.empty()) {
          for (const auto& [subject, ids] : disclosed) {
            AuditEntry e = audit_log_.Begin(ctx, audit::kReferralList);
            e.subject_id = subject;
            e.decision = AuditDecision::kAllow;
            e.reason = absl::StrCat("disclosed in a listing: ", absl::StrJoin(ids, ", "));
            e.policy_version = policy->version();
            e.outcome = "OK";
            RETURN_IF_ERROR(audit_log_.Append(tx, std::move(e)));
          }
        }
        return page;
      },
      std::move(reply));
}

void ReferralService::Report(const CallContext& ctx, ReportParams p,
                             audit::Reply<std::vector<FunnelRow>> reply) {
  audit::RunAudited<std::vector<FunnelRow>>(
      storage_, audit_log_, audit_log_.Begin(ctx, policy::kReferralReport),
      [this, policy = policies_.Current(), ctx, p = std::move(p)](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<std::vector<FunnelRow>> {
        const absl::Time now = clock_.Now();
        if (!p.referral_type.empty() && directory_.FindType(p.referral_type) == nullptr) {
          return directory_.Resolve(p.referral_type, "").status();  // names the known types
        }
        policy::Target target;
        target.action = std::string(policy::kReferralReport);
        target.data_class = "performance";
        RETURN_IF_ERROR(policy::Authorize(*policy, ctx, target, now, entry).status());
        // A shorter period would single out the few people referred in it.
        if (p.until - p.from < kMinReportPeriod) {
          entry.decision = AuditDecision::kDeny;
          entry.reason = "report period shorter than a day";
          return absl::InvalidArgumentError(absl::StrCat(
              "until: a report covers at least one day (from ", TimeText(p.from), " until ",
              TimeText(p.until), ")"));
        }
        ASSIGN_OR_RETURN(std::vector<Referral> made,
                         tx.ListReferralsCreatedBetween(p.from, p.until, p.referral_type));
        const bool national = policy->IsNationalReportRole(ctx.principal.role);
        if (!national) {
          const std::string& own = ctx.principal.agency_id;
          made.erase(std::remove_if(made.begin(), made.end(),
                                    [&own](const Referral& r) {
                                      return r.referring_agency != own &&
                                             r.receiving_agency != own;
                                    }),
                     made.end());
        }
        entry.reason = absl::StrCat(entry.reason, "; funnel over ", made.size(),
                                    national ? " referrals (national role)" : " referrals of the "
                                                                              "caller's agency",
                                    " created from ", TimeText(p.from), " until ",
                                    TimeText(p.until), ", counts under ",
                                    policy->report_min_count(), " withheld");
        std::vector<FunnelRow> rows = BuildFunnel(made, p.by_receiving_agency, now);
        SuppressSmallCounts(rows, policy->report_min_count());
        return rows;
      },
      std::move(reply));
}

absl::StatusOr<int> ReferralService::Sweep() {
  bool any = false;
  RETURN_IF_ERROR(storage_.Read([&](ReadTx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<Referral> due, tx.ListReferralsWithDueDeadlines(clock_.Now(), 1));
    any = !due.empty();
    return absl::OkStatus();
  }));
  if (!any) return 0;
  int escalated = 0;
  RETURN_IF_ERROR(storage_.WriteAndWait([&, policy = policies_.Current()](WriteTx& tx) {
    escalated = 0;  // an output: each run starts it afresh
    const absl::Time now = clock_.Now();
    ASSIGN_OR_RETURN(std::vector<Referral> due, tx.ListReferralsWithDueDeadlines(now, kSweepBatch));
    for (Referral& r : due) {
      for (ReferralDeadline& d : r.deadlines) {
        if (d.met_at.has_value() || d.escalated_at.has_value() || !d.due_at.has_value() ||
            *d.due_at > now) {
          continue;
        }
        d.escalated_at = now;
        const std::string reason =
            absl::StrCat("deadline '", d.name, "' (", StateName(d.reach), ") was due at ",
                         TimeText(*d.due_at), "; the referral is ", StateName(r.state));
        RETURN_IF_ERROR(Escalate(tx, *policy, r, reason, d.supervisor_role));
        ++escalated;
      }
      RETURN_IF_ERROR(tx.UpdateReferral(r));
    }
    return absl::OkStatus();
  }));
  return escalated;
}

}  // namespace throughcare::referrals
