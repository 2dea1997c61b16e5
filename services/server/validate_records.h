// RecordService's request validators, and the record content and references that messages and
// referrals carry (see validate_common.h for the conventions).
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_RECORDS_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_RECORDS_H_

#include <google/protobuf/repeated_field.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/policy/policy.h"
#include "services/records/record_service.h"
#include "services/server/validate_common.h"
#include "throughcare/message.h"
#include "throughcare/v1/records.pb.h"

namespace throughcare::server {

// The record type name of a body ("health_summary", ...), or "" if none is set.
std::string RecordTypeOf(const v1::RecordBody& body);

// The contents of a record to put: a body whose type's fields are valid, a data class the policy
// declares and the type may be filed as, labels the policy declares (none twice). Fills
// `p.record_type`, `release_date`, `data_class`, `labels` and `body` (serialized, at most 1 MiB).
// `prefix` goes before each field name ("" for PutRecord, "inline_record." for a send).
absl::Status ValidateRecordContent(bool has_body, const v1::RecordBody& body,
                                   const std::string& data_class,
                                   const google::protobuf::RepeatedPtrField<std::string>& labels,
                                   const policy::Policy& policy, absl::string_view prefix,
                                   records::PutRecordParams& p);

// A new record (no record_id, expected_version 0), or a new version of one (both given).
absl::StatusOr<records::PutRecordParams> ValidatePutRecord(const v1::PutRecordRequest& req,
                                                           const policy::Policy& policy);

// A record id, a version of 0 (latest) or more, a break-glass reason of at most 2000 characters.
absl::Status ValidateGetRecord(const v1::GetRecordRequest& req);
// A subject id and a break-glass reason of at most 2000 characters.
absl::Status ValidateListRecords(const v1::ListRecordsRequest& req);

// A reference to a record by id, and version (0 for the latest). `field` names the reference,
// e.g. "records[0]"; errors name its ".record_id" or ".version".
absl::StatusOr<RecordRef> ValidateRecordReference(const v1::RecordReference& ref,
                                                  absl::string_view field);

// An erasure's reason: 10 to 1,000 characters after trimming.
absl::Status ValidateErasureReason(const std::string& reason);
// A record id, or a subject id, and an erasure's reason.
absl::Status ValidateEraseRecord(const v1::EraseRecordRequest& req);
absl::Status ValidateEraseSubject(const v1::EraseSubjectRequest& req);

struct ErasureListing {
  absl::Time from;
  absl::Time until;
  int64_t after_id = 0;
  int limit = 100;
};
// Both times (each within years 1 to 9999), until after from; a page size and a token from an
// earlier page.
absl::StatusOr<ErasureListing> ValidateListErasures(const v1::ListErasuresRequest& req);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_RECORDS_H_
