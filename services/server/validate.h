// Request validators: pure functions from a request message to the domain call's parameters.
// Each failure is InvalidArgument whose message starts with the offending field's name, e.g.
// "identifiers[1].value: ...", "body.health_summary.prescriptions[0].medicine: required".
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/policy/policy.h"
#include "services/records/record_service.h"
#include "services/subjects/subject_service.h"
#include "throughcare/audit.h"
#include "throughcare/v1/audit.pb.h"
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

// The record type name of a body ("health_summary", ...), or "" if none is set.
std::string RecordTypeOf(const v1::RecordBody& body);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_H_
