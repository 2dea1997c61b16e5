// ConsentService's request validators (see validate_common.h for the conventions).
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_CONSENT_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_CONSENT_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "services/consent/consent_service.h"
#include "services/policy/policy.h"
#include "services/server/validate_common.h"
#include "throughcare/v1/consent.pb.h"

namespace throughcare::server {

// Data classes and purposes the policy declares, at least one recipient (up to 50 agencies the
// broker is configured with, or declared agency kinds), valid_until after valid_from, and the
// evidence its kind needs.
absl::StatusOr<consent::RecordConsentParams> ValidateRecordConsent(
    const v1::RecordConsentRequest& req, const policy::Policy& policy,
    const AgencyKindLookup& agencies);
// A consent id and a reason.
absl::Status ValidateWithdrawConsent(const v1::WithdrawConsentRequest& req);
// A record, or a person's data class; the practitioner asked about (as_agency, as_user, as_role
// together) must be one the policy and the configured agencies (`agency_kind`) know.
absl::StatusOr<consent::CheckAccessParams> ValidateCheckAccess(
    const v1::CheckAccessRequest& req, const policy::Policy& policy,
    const AgencyKindLookup& agency_kind);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_CONSENT_H_
