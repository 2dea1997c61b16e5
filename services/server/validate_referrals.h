// ReferralService's request validators (see validate_common.h for the conventions).
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_REFERRALS_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_REFERRALS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/referrals/referral_service.h"
#include "services/server/validate_common.h"
#include "throughcare/referral.h"
#include "throughcare/v1/referrals.pb.h"

namespace throughcare::server {

// A referral type (the directory knows which) and a home area, normalized.
struct RecipientQuery {
  std::string referral_type;
  std::string home_area;
};
absl::StatusOr<RecipientQuery> ValidateResolveRecipient(const v1::ResolveRecipientRequest& req);
// A type, a subject, 1 to 16 records by reference, an optional event date, an idempotency key.
absl::StatusOr<referrals::CreateParams> ValidateCreateReferral(
    const v1::CreateReferralRequest& req);
// A referral id.
absl::Status ValidateGetReferral(const v1::GetReferralRequest& req);
// The state asked for (not "sent").
absl::StatusOr<ReferralState> ValidateTransitionReferral(const v1::TransitionReferralRequest& req);
absl::StatusOr<referrals::ListFilter> ValidateListReferrals(const v1::ListReferralsRequest& req);
// The page token ValidateListReferrals reads back as `after`.
std::string ReferralPageToken(const ReferralCursor& next);
// The release date.
absl::StatusOr<absl::CivilDay> ValidateRecordRelease(const v1::RecordReleaseRequest& req);
// From and until are required, until after from, at most two years apart.
absl::StatusOr<referrals::ReportParams> ValidateGetReferralReport(
    const v1::GetReferralReportRequest& req);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_REFERRALS_H_
