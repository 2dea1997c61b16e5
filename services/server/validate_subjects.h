// SubjectService's request validators (see validate_common.h for the conventions).
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_SUBJECTS_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_SUBJECTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/server/validate_common.h"
#include "services/subjects/subject_service.h"
#include "throughcare/consent.h"
#include "throughcare/v1/common.pb.h"
#include "throughcare/v1/subjects.pb.h"

namespace throughcare::server {

// A kind that is set and a value in that kind's normal form ("identifier.value: ..." otherwise).
absl::StatusOr<subjects::SubjectService::IdentifierValue> ValidateIdentifier(
    const v1::Identifier& id, absl::string_view field);
// A GSS code, normalized; "" when empty and not `required`.
absl::StatusOr<std::string> ValidateHomeArea(const std::string& code, absl::string_view field,
                                             bool required);

struct RegisterParams {
  std::vector<subjects::SubjectService::IdentifierValue> identifiers;
  std::string home_area;
};
// 1 to 10 identifiers, none twice; an optional home area.
absl::StatusOr<RegisterParams> ValidateRegisterSubject(const v1::RegisterSubjectRequest& req);

// A subject id and an identifier.
absl::StatusOr<subjects::SubjectService::IdentifierValue> ValidateLinkIdentifier(
    const v1::LinkIdentifierRequest& req);
absl::StatusOr<subjects::SubjectService::IdentifierValue> ValidateUnlinkIdentifier(
    const v1::UnlinkIdentifierRequest& req);
// A subject id and a home area (normalized).
absl::StatusOr<std::string> ValidateSetHomeArea(const v1::SetHomeAreaRequest& req);

// The kind asked for: allocation or custody (referral relationships start with a referral).
absl::StatusOr<RelationshipKind> ValidateStartRelationship(const v1::StartRelationshipRequest& req);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_SUBJECTS_H_
