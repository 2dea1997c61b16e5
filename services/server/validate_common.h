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
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "services/policy/policy.h"
#include "throughcare/v1/common.pb.h"

namespace throughcare::server {

// What a validator may know of the agencies the broker is configured with: an agency id's kind,
// NotFound for an agency that does not exist. Handlers pass the edge authenticator's
// (handlers.h, AgencyKinds), tests a fixed list.
using AgencyKindLookup = std::function<absl::StatusOr<std::string>(const std::string&)>;

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

// The longest name of a thing the policy or the config declares (a purpose, a data class, a
// label, a role, an agency id): longer ones are refused before they are looked up, so that no
// error message repeats a long value back (a status message must fit in gRPC's trailers).
inline constexpr size_t kMaxNameLength = 64;

absl::Status Invalid(absl::string_view field, absl::string_view what);
absl::Status Required(absl::string_view field);
absl::Status MaxLength(const std::string& value, size_t max, absl::string_view field);
// Free text: required or not, at most `max` characters.
absl::Status Text(const std::string& value, absl::string_view field, bool required,
                  size_t max = 4000);
// An ISO 8601 calendar date "YYYY-MM-DD"; empty is allowed unless `required`.
absl::Status Date(const std::string& value, absl::string_view field, bool required);

// Every timestamp in a request: from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z with
// nanos from 0 to 999,999,999 (what RFC 3339, and so protobuf's JSON, can write). An instant
// outside that would be stored, and then fail to print wherever it is shown.
absl::StatusOr<absl::Time> TimestampField(const google::protobuf::Timestamp& t,
                                          absl::string_view field);
// The same for an optional one: nullopt when `has` is false.
absl::StatusOr<std::optional<absl::Time>> OptionalTimestampField(
    bool has, const google::protobuf::Timestamp& t, absl::string_view field);

// An enum field: a value the API declares (`type`), and not the unspecified 0 when `required`.
// An unknown number (a newer or a made-up value) is refused naming the values known.
absl::Status EnumValue(int value, const google::protobuf::EnumDescriptor& type,
                       absl::string_view field, bool required);

// A repeated field of at most `max` elements.
absl::Status MaxCount(int size, int max, absl::string_view field);

// An agency id the broker is configured with (and at most kMaxNameLength characters).
absl::Status KnownAgency(const std::string& id, absl::string_view field,
                         const AgencyKindLookup& agencies);

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
