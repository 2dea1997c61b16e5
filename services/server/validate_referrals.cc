#include "services/server/validate_referrals.h"

#include <cstdint>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/server/validate_records.h"
#include "services/server/validate_subjects.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {

using validation::Date;
using validation::Invalid;
using validation::MaxLength;
using validation::Required;
using validation::TimestampField;

absl::StatusOr<RecipientQuery> ValidateResolveRecipient(const v1::ResolveRecipientRequest& req) {
  RecipientQuery q;
  if (req.referral_type().empty()) return Required("referral_type");
  RETURN_IF_ERROR(MaxLength(req.referral_type(), 64, "referral_type"));
  q.referral_type = req.referral_type();
  ASSIGN_OR_RETURN(q.home_area, ValidateHomeArea(req.home_area(), "home_area", true));
  return q;
}

absl::Status ValidateGetReferral(const v1::GetReferralRequest& req) {
  return ValidateOpaqueId(req.referral_id(), "ref", "referral_id");
}

absl::StatusOr<referrals::CreateParams> ValidateCreateReferral(
    const v1::CreateReferralRequest& req) {
  referrals::CreateParams p;
  if (req.referral_type().empty()) return Required("referral_type");
  RETURN_IF_ERROR(MaxLength(req.referral_type(), 64, "referral_type"));
  p.referral_type = req.referral_type();
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  p.subject_id = req.subject_id();
  if (req.records().empty()) {
    return Invalid("records", "attach at least one record (e.g. the drug interventions record)");
  }
  if (req.records_size() > 16) return Invalid("records", "at most 16 records per referral");
  for (int i = 0; i < req.records_size(); ++i) {
    ASSIGN_OR_RETURN(RecordRef ref,
                     ValidateRecordReference(req.records(i), absl::StrCat("records[", i, "]")));
    p.records.push_back(std::move(ref));
  }
  RETURN_IF_ERROR(Date(req.event_date(), "event_date", false));
  if (!req.event_date().empty()) {
    p.event_date.emplace();
    absl::ParseCivilTime(req.event_date(), &*p.event_date);
  }
  RETURN_IF_ERROR(MaxLength(req.note(), 2000, "note"));
  p.note = req.note();
  RETURN_IF_ERROR(validation::ValidateIdempotencyKey(req.idempotency_key(), "referral"));
  p.idempotency_key = req.idempotency_key();
  RETURN_IF_ERROR(MaxLength(req.recipient_agency(), 64, "recipient_agency"));
  p.recipient_agency = req.recipient_agency();
  return p;
}

absl::StatusOr<ReferralState> ValidateTransitionReferral(
    const v1::TransitionReferralRequest& req) {
  RETURN_IF_ERROR(ValidateOpaqueId(req.referral_id(), "ref", "referral_id"));
  RETURN_IF_ERROR(validation::EnumValue(req.to(), *v1::ReferralState_descriptor(), "to", false));
  if (req.to() == v1::REFERRAL_STATE_UNSPECIFIED) {
    return Invalid("to", "required: the state to move the referral to");
  }
  if (req.to() == v1::REFERRAL_STATE_SENT) {
    return Invalid("to", "a referral is sent when it is created; it cannot move back to sent");
  }
  RETURN_IF_ERROR(MaxLength(req.reason(), 2000, "reason"));
  return static_cast<ReferralState>(req.to());
}

absl::StatusOr<referrals::ListFilter> ValidateListReferrals(const v1::ListReferralsRequest& req) {
  referrals::ListFilter f;
  if (!req.subject_id().empty()) {
    RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  }
  f.subject_id = req.subject_id();
  f.open_only = req.open_only();
  f.overdue_only = req.overdue_only();
  ASSIGN_OR_RETURN(f.page_size, validation::ValidatePageSize(req.page()));
  RETURN_IF_ERROR(MaxLength(req.page().page_token(), 64, "page.page_token"));
  if (!req.page().page_token().empty()) {
    const std::vector<std::string> parts =
        absl::StrSplit(req.page().page_token(), absl::MaxSplits('.', 1));
    int64_t micros = 0;
    if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &micros) ||
        !ValidateOpaqueId(parts[1], "ref", "page.page_token").ok()) {
      return Invalid("page.page_token", "not a token returned by this call");
    }
    f.after = ReferralCursor{absl::FromUnixMicros(micros), parts[1]};
  }
  return f;
}

std::string ReferralPageToken(const ReferralCursor& next) {
  return absl::StrCat(absl::ToUnixMicros(next.created_at), ".", next.referral_id);
}

absl::StatusOr<absl::CivilDay> ValidateRecordRelease(const v1::RecordReleaseRequest& req) {
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  RETURN_IF_ERROR(Date(req.release_date(), "release_date", true));
  absl::CivilDay day;
  absl::ParseCivilTime(req.release_date(), &day);
  return day;
}

absl::StatusOr<referrals::ReportParams> ValidateGetReferralReport(
    const v1::GetReferralReportRequest& req) {
  referrals::ReportParams p;
  if (!req.has_from()) return Required("from");
  if (!req.has_until()) return Required("until");
  ASSIGN_OR_RETURN(p.from, TimestampField(req.from(), "from"));
  ASSIGN_OR_RETURN(p.until, TimestampField(req.until(), "until"));
  if (p.until <= p.from) return Invalid("until", "must be after from");
  if (p.until - p.from > absl::Hours(24 * 731)) {
    return Invalid("until", "a report covers at most two years");
  }
  RETURN_IF_ERROR(MaxLength(req.referral_type(), 64, "referral_type"));
  p.referral_type = req.referral_type();
  p.by_receiving_agency = req.by_receiving_agency();
  return p;
}

}  // namespace throughcare::server
