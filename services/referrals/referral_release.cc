// ReferralService's releases: a person's release date moves the deadlines of their open
// referrals, and escalates those that should have been accepted by then.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/policy/authorize.h"
#include "services/referrals/referral_service.h"
#include "throughcare/audit_actions.h"
#include "throughcare/status_macros.h"

namespace throughcare::referrals {
namespace {

// A release recorded further from today than this, either way, is taken for a mistyped date.
constexpr int kReleaseDateRange = 366;

}  // namespace

absl::StatusOr<std::vector<Referral>> ReferralService::ApplyRelease(
    WriteTx& tx, const policy::Policy& policy, absl::string_view subject_id,
    absl::CivilDay release_date) const {
  const absl::Time now = clock_.Now();
  const absl::CivilDay today = absl::ToCivilDay(now, absl::UTCTimeZone());
  if (release_date < today - kReleaseDateRange || release_date > today + kReleaseDateRange) {
    return absl::InvalidArgumentError(absl::StrCat(
        "release_date: ", absl::FormatCivilTime(release_date), " is more than ",
        kReleaseDateRange, " days from today (", absl::FormatCivilTime(today), ")"));
  }
  const bool released = absl::FromCivil(release_date, absl::UTCTimeZone()) <= now;
  ASSIGN_OR_RETURN(std::vector<Referral> open, tx.ListOpenReferralsOfSubject(subject_id));
  std::vector<Referral> escalated;
  for (Referral& r : open) {
    const ReferralType* type = directory_.FindType(r.referral_type);
    if (type == nullptr) continue;
    bool from_event = false;
    for (const DeadlineRule& rule : type->deadlines) {
      from_event = from_event || rule.from == DeadlineRule::From::kEvent;
    }
    if (!from_event && !type->escalate_at_release) continue;  // not a release handoff
    r.event_date = release_date;
    for (ReferralDeadline& d : r.deadlines) {
      if (d.met_at.has_value() || d.escalated_at.has_value()) continue;
      for (const DeadlineRule& rule : type->deadlines) {
        if (rule.name == d.name && rule.from == DeadlineRule::From::kEvent) {
          d.due_at = DueAt(rule, r.created_at, r.event_date, directory_.calendar());
        }
      }
    }
    // The breach is "not accepted by release"; the type's acceptance deadline (the directory
    // requires one with escalate_at_release) records its one escalation, whoever raised it.
    bool escalate = released && type->escalate_at_release &&
                    !Meets(r.state, ReferralState::kAccepted);
    for (const ReferralDeadline& d : r.deadlines) {
      if (d.reach == ReferralState::kAccepted && d.escalated_at.has_value()) escalate = false;
    }
    if (escalate) {
      for (ReferralDeadline& d : r.deadlines) {
        if (d.reach == ReferralState::kAccepted && !d.met_at.has_value()) d.escalated_at = now;
      }
      RETURN_IF_ERROR(Escalate(
          tx, policy, r,
          absl::StrCat("the person was released on ", absl::FormatCivilTime(release_date),
                       " and the referral is ", StateName(r.state), ", not yet accepted"),
          type->supervisor_role));
    }
    r.updated_at = now;
    RETURN_IF_ERROR(tx.UpdateReferral(r));
    if (escalate) escalated.push_back(std::move(r));
  }
  return escalated;
}

void ReferralService::RecordRelease(const CallContext& ctx, std::string subject_id,
                                    absl::CivilDay release_date,
                                    audit::Reply<std::vector<Referral>> reply) {
  audit::RunAudited<std::vector<Referral>>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kReferralRelease),
      [this, policy = policies_.Current(), ctx, subject_id = std::move(subject_id),
       release_date](WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<std::vector<Referral>> {
        entry.subject_id = subject_id;
        policy::Target target;
        target.action = std::string(policy::kRecordWrite);
        target.data_class = "custody";
        absl::StatusOr<Subject> subject = tx.GetSubject(subject_id);
        if (!subject.ok() && !absl::IsNotFound(subject.status())) return subject.status();
        RETURN_IF_ERROR(policy::AuthorizeAbout(*policy, ctx, tx, subject_id, subject.ok(), target,
                                               clock_.Now(), entry,
                                               absl::StrCat("subject_id: no subject ", subject_id))
                            .status());
        ASSIGN_OR_RETURN(std::vector<Referral> escalated,
                         ApplyRelease(tx, *policy, subject_id, release_date));
        entry.reason = absl::StrCat(entry.reason, "; release on ",
                                    absl::FormatCivilTime(release_date), " escalated ",
                                    escalated.size(), " referrals");
        // The caller is shown the referrals its agency is party to and its role may read; the
        // parties are told of the others by the escalation itself.
        ASSIGN_OR_RETURN(policy::PersonContext person, policy::LoadPersonContext(tx, subject_id));
        std::vector<Referral> shown;
        for (Referral& r : escalated) {
          const ReferralType* type = directory_.FindType(r.referral_type);
          policy::Target read;
          read.action = std::string(policy::kReferralRead);
          read.data_class = type->data_class;
          read.person = &person;
          if ((r.referring_agency == ctx.principal.agency_id ||
               r.receiving_agency == ctx.principal.agency_id) &&
              policy->Decide(policy::MakeRequest(ctx, read, clock_.Now())).allowed) {
            absl::StrAppend(&entry.reason, shown.empty() ? "; shown " : ", ", r.referral_id);
            shown.push_back(std::move(r));
          }
        }
        return shown;
      },
      std::move(reply));
}

}  // namespace throughcare::referrals
