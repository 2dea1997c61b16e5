// Request validators: pure functions from a request message to the domain call's parameters.
// Each failure is InvalidArgument whose message starts with the offending field's name, e.g.
// "identifiers[1].value: ...", "body.health_summary.prescriptions[0].medicine: required".
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/consent/consent_service.h"
#include "services/messaging/messaging_service.h"
#include "services/referrals/referral_service.h"
#include "services/policy/policy.h"
#include "services/records/record_service.h"
#include "services/subjects/subject_service.h"
#include "throughcare/audit.h"
#include "throughcare/v1/audit.pb.h"
#include "throughcare/v1/consent.pb.h"
#include "throughcare/v1/messaging.pb.h"
#include "throughcare/v1/referrals.pb.h"
#include "throughcare/v1/records.pb.h"
#include "throughcare/v1/subjects.pb.h"

namespace throughcare::server {

// The purpose must be one the policy declares.
absl::Status ValidatePurpose(const std::string& purpose, const policy::Policy& policy);

absl::Status ValidateSubjectId(const std::string& id, absl::string_view field);
absl::StatusOr<subjects::SubjectService::IdentifierValue> ValidateIdentifier(
    const v1::Identifier& id, absl::string_view field);
absl::StatusOr<std::string> ValidateHomeArea(const std::string& code, absl::string_view field,
                                             bool required);

struct RegisterParams {
  std::vector<subjects::SubjectService::IdentifierValue> identifiers;
  std::string home_area;
};
absl::StatusOr<RegisterParams> ValidateRegisterSubject(const v1::RegisterSubjectRequest& req);

absl::StatusOr<records::PutRecordParams> ValidatePutRecord(const v1::PutRecordRequest& req,
                                                           const policy::Policy& policy);
absl::Status ValidateRecordId(const std::string& id, absl::string_view field);

absl::StatusOr<AuditQuery> ValidateQueryAuditLog(const v1::QueryAuditLogRequest& req);

absl::StatusOr<consent::RecordConsentParams> ValidateRecordConsent(
    const v1::RecordConsentRequest& req, const policy::Policy& policy);
absl::Status ValidateWithdrawConsent(const v1::WithdrawConsentRequest& req);
// `agency_kind` maps a configured agency id to its kind (NotFound for an unknown agency).
absl::StatusOr<consent::CheckAccessParams> ValidateCheckAccess(
    const v1::CheckAccessRequest& req, const policy::Policy& policy,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& agency_kind);

absl::StatusOr<RelationshipKind> ValidateStartRelationship(const v1::StartRelationshipRequest& req);
absl::Status ValidateOpaqueId(const std::string& id, absl::string_view prefix,
                              absl::string_view field);
// A break-glass reason, when given: at most 2000 characters (its minimum is the policy's).
absl::Status ValidateBreakGlassReason(const std::string& reason);

struct ReviewPage {
  int64_t after_seq = 0;
  int limit = 100;
};
absl::StatusOr<ReviewPage> ValidateListReviewItems(const v1::ListReviewItemsRequest& req);
absl::StatusOr<ReviewOutcome> ValidateCloseReviewItem(const v1::CloseReviewItemRequest& req);

absl::StatusOr<messaging::SendParams> ValidateSend(const v1::SendRequest& req,
                                                   const policy::Policy& policy);
// A lease duration: 1 s to 1 h; unset: 60 s.
absl::StatusOr<absl::Duration> ValidateLease(bool has, const google::protobuf::Duration& lease,
                                             absl::string_view field);
absl::StatusOr<messaging::Settlement> ValidateSettlement(const v1::Settlement& s,
                                                         absl::string_view field);
absl::StatusOr<std::vector<messaging::Settlement>> ValidateAck(const v1::AckRequest& req);

absl::StatusOr<referrals::CreateParams> ValidateCreateReferral(
    const v1::CreateReferralRequest& req);
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

// The record type name of a body ("health_summary", ...), or "" if none is set.
std::string RecordTypeOf(const v1::RecordBody& body);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_H_
