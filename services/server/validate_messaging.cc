#include "services/server/validate_messaging.h"

#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "services/server/validate_records.h"
#include "throughcare/status_macros.h"

namespace throughcare::server {
namespace {

using validation::Invalid;
using validation::MaxLength;
using validation::Required;
using validation::ValidateDuration;

absl::Status ValidateRecipients(const v1::SendRequest& req, messaging::SendParams& p) {
  if (req.recipient_agencies().empty()) return Required("recipient_agencies");
  if (req.recipient_agencies_size() > 16) {
    return Invalid("recipient_agencies", "at most 16 recipients per message");
  }
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < req.recipient_agencies_size(); ++i) {
    const std::string field = absl::StrCat("recipient_agencies[", i, "]");
    const std::string& agency = req.recipient_agencies(i);
    if (agency.empty()) return Required(field);
    RETURN_IF_ERROR(MaxLength(agency, 64, field));
    if (!seen.insert(agency).second) {
      return Invalid(field, absl::StrCat("'", agency, "' given twice"));
    }
    p.recipients.push_back(agency);
  }
  return absl::OkStatus();
}

// The records by reference and the inline record; at least one of them.
absl::Status ValidateCarriedRecords(const v1::SendRequest& req, const policy::Policy& policy,
                                    messaging::SendParams& p) {
  if (req.records().empty() && !req.has_inline_record()) {
    return Invalid("records",
                   "a message carries at least one record: give records or inline_record");
  }
  if (req.records_size() > 16) return Invalid("records", "at most 16 records per message");
  absl::flat_hash_set<std::string> record_ids;
  for (int i = 0; i < req.records_size(); ++i) {
    const std::string field = absl::StrCat("records[", i, "]");
    ASSIGN_OR_RETURN(RecordRef ref, ValidateRecordReference(req.records(i), field));
    if (!record_ids.insert(ref.record_id).second) {
      return Invalid(absl::StrCat(field, ".record_id"), "the record is given twice");
    }
    p.records.push_back(std::move(ref));
  }
  if (req.has_inline_record()) {
    records::PutRecordParams r;
    r.subject_id = req.subject_id();
    const v1::InlineRecord& in = req.inline_record();
    RETURN_IF_ERROR(ValidateRecordContent(in.has_body(), in.body(), in.data_class(), in.labels(),
                                          policy, "inline_record.", r));
    p.inline_record = std::move(r);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<messaging::SendParams> ValidateSend(const v1::SendRequest& req,
                                                   const policy::Policy& policy) {
  messaging::SendParams p;
  RETURN_IF_ERROR(ValidateRecipients(req, p));
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  p.subject_id = req.subject_id();
  RETURN_IF_ERROR(ValidateCarriedRecords(req, policy, p));
  RETURN_IF_ERROR(validation::ValidateIdempotencyKey(req.idempotency_key(), "message"));
  p.idempotency_key = req.idempotency_key();
  RETURN_IF_ERROR(MaxLength(req.correlation_id(), 128, "correlation_id"));
  p.correlation_id = req.correlation_id();
  ASSIGN_OR_RETURN(p.time_to_live,
                   ValidateDuration(req.has_time_to_live(), req.time_to_live(), absl::Minutes(1),
                                    absl::Hours(24 * 30), absl::Hours(24 * 5), "time_to_live"));
  return p;
}

absl::StatusOr<absl::Duration> ValidateLease(bool has, const google::protobuf::Duration& lease,
                                             absl::string_view field) {
  return ValidateDuration(has, lease, absl::Seconds(1), absl::Hours(1), absl::Seconds(60), field);
}

absl::StatusOr<messaging::Settlement> ValidateSettlement(const v1::Settlement& s,
                                                         absl::string_view field) {
  messaging::Settlement out;
  RETURN_IF_ERROR(ValidateOpaqueId(s.lease_id(), "lse", absl::StrCat(field, ".lease_id")));
  out.lease_id = s.lease_id();
  switch (s.outcome_case()) {
    case v1::Settlement::kAck:
      out.outcome = messaging::Settlement::Outcome::kAck;
      break;
    case v1::Settlement::kNack: {
      out.outcome = messaging::Settlement::Outcome::kNack;
      ASSIGN_OR_RETURN(
          out.retry_after,
          ValidateDuration(true, s.nack().retry_after(), absl::ZeroDuration(), absl::Hours(1),
                           absl::ZeroDuration(), absl::StrCat(field, ".nack.retry_after")));
      RETURN_IF_ERROR(MaxLength(s.nack().reason(), 500, absl::StrCat(field, ".nack.reason")));
      out.reason = s.nack().reason();
      break;
    }
    case v1::Settlement::kReject:
      out.outcome = messaging::Settlement::Outcome::kReject;
      if (s.reject().reason().empty()) return Required(absl::StrCat(field, ".reject.reason"));
      RETURN_IF_ERROR(MaxLength(s.reject().reason(), 500, absl::StrCat(field, ".reject.reason")));
      out.reason = s.reject().reason();
      break;
    case v1::Settlement::OUTCOME_NOT_SET:
      return Invalid(field, "set one of ack, nack or reject");
  }
  return out;
}

absl::StatusOr<std::vector<messaging::Settlement>> ValidateAck(const v1::AckRequest& req) {
  if (req.settlements().empty()) return Required("settlements");
  if (req.settlements_size() > 100) return Invalid("settlements", "at most 100 per call");
  std::vector<messaging::Settlement> out;
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < req.settlements_size(); ++i) {
    const std::string field = absl::StrCat("settlements[", i, "]");
    ASSIGN_OR_RETURN(messaging::Settlement s, ValidateSettlement(req.settlements(i), field));
    if (!seen.insert(s.lease_id).second) {
      return Invalid(absl::StrCat(field, ".lease_id"), "the lease is settled twice");
    }
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace throughcare::server
