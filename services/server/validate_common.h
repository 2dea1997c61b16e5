// Request validators: pure functions from a request message to the domain call's parameters, one
// file per service (validate_subjects.h, validate_records.h, validate_consent.h,
// validate_messaging.h, validate_referrals.h, validate_audit.h). This one holds what every service
// checks (purpose, ids, break-glass reason) and the field checks the others are built from.
//
// Each failure is InvalidArgument whose message starts with the offending field's name, e.g.
// "identifiers[1].value: ...", "body.health_summary.prescriptions[0].medicine: required". None of
// these functions has side effects or reads anything but its arguments.
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_COMMON_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_COMMON_H_

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/repeated_field.h>
#include <google/protobuf/timestamp.pb.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/policy/policy.h"
#include "throughcare/v1/common.pb.h"

namespace throughcare::server {

// The purpose must be one the policy declares.
absl::Status ValidatePurpose(const std::string& purpose, const policy::Policy& policy);

// An id the broker issued: `prefix`, '_' and 26 base32 characters, e.g. "sub_..." for a subject.
absl::Status ValidateOpaqueId(const std::string& id, absl::string_view prefix,
                              absl::string_view field);
absl::Status ValidateSubjectId(const std::string& id, absl::string_view field);
absl::Status ValidateRecordId(const std::string& id, absl::string_view field);

// A break-glass reason, when given: at most 2000 characters (its minimum is the policy's).
absl::Status ValidateBreakGlassReason(const std::string& reason);

// The field checks the per-service validators share. Each names `field` in its error.
namespace validation {

absl::Status Invalid(absl::string_view field, absl::string_view what);
absl::Status Required(absl::string_view field);
absl::Status MaxLength(const std::string& value, size_t max, absl::string_view field);
// Free text: required or not, at most `max` characters.
absl::Status Text(const std::string& value, absl::string_view field, bool required,
                  size_t max = 4000);
// An ISO 8601 calendar date "YYYY-MM-DD"; empty is allowed unless `required`.
absl::Status Date(const std::string& value, absl::string_view field, bool required);
absl::Time TimeOf(const google::protobuf::Timestamp& t);

// A list of ids each in `declared` (things of kind `what`, e.g. "data class"), none twice, and
// at least one if `required`.
absl::Status DeclaredIds(const google::protobuf::RepeatedPtrField<std::string>& ids,
                         absl::string_view field, absl::string_view what,
                         const std::vector<std::string>& declared, bool required);

// A duration field: unset (`has` false) gives `fallback`; otherwise within [min, max].
absl::StatusOr<absl::Duration> ValidateDuration(bool has, const google::protobuf::Duration& d,
                                                absl::Duration min, absl::Duration max,
                                                absl::Duration fallback, absl::string_view field);

// Required, so that a retried request is not carried out twice; `what` is "message",
// "referral", ...
absl::Status ValidateIdempotencyKey(const std::string& key, absl::string_view what);

// A page's size: 0 to 1000, where 0 means the default of 100.
absl::StatusOr<int> ValidatePageSize(const v1::PageRequest& page);
// A page token that is an entry's seq, as the audit calls return it; 0 when none is given.
absl::StatusOr<int64_t> ValidateSeqPageToken(const v1::PageRequest& page);

}  // namespace validation
}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_COMMON_H_
