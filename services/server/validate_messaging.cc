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

absl::Status ValidateRecipients(const v1::SendRequest& req, const AgencyKindLookup& agencies,
                                const std::string& caller_agency, messaging::SendParams& p) {
  if (req.recipient_agencies().empty()) return Required("recipient_agencies");
  if (req.recipient_agencies_size() > 16) {
    return Invalid("recipient_agencies", "at most 16 recipients per message");
  }
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < req.recipient_agencies_size(); ++i) {
    const std::string field = absl::StrCat("recipient_agencies[", i, "]");
    const std::string& agency = req.recipient_agencies(i);
    RETURN_IF_ERROR(validation::KnownAgency(agency, field, agencies));
    if (agency == caller_agency) {
      return Invalid(field, absl::StrCat("'", agency,
                                         "' is your own agency: a message goes to other agencies"));
    }
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
                                                   const policy::Policy& policy,
                                                   const AgencyKindLookup& agencies,
                                                   const std::string& caller_agency) {
  messaging::SendParams p;
  RETURN_IF_ERROR(ValidateRecipients(req, agencies, caller_agency, p));
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

absl::StatusOr<ReceiveParams> ValidateReceive(const v1::ReceiveRequest& req) {
  if (req.max_messages() < 1 || req.max_messages() > 100) {
    return Invalid("max_messages", "must be from 1 to 100");
  }
  ReceiveParams p;
  p.max_messages = req.max_messages();
  ASSIGN_OR_RETURN(p.lease, ValidateLease(req.has_lease(), req.lease(), "lease"));
  return p;
}

absl::StatusOr<SubscribeStep> ValidateSubscribeRequest(const v1::SubscribeRequest& req,
                                                       bool first) {
  SubscribeStep step;
  if (first) {
    if (req.request_case() != v1::SubscribeRequest::kCredit) {
      return Invalid("credit", "the first request must set credit");
    }
    ASSIGN_OR_RETURN(step.lease, ValidateLease(req.has_lease(), req.lease(), "lease"));
  } else if (req.has_lease()) {
    return Invalid("lease", "may be set with the first request only");
  }
  switch (req.request_case()) {
    case v1::SubscribeRequest::kCredit:
      if (req.credit() > 1000) return Invalid("credit", "at most 1000 unsettled deliveries");
      step.credit = static_cast<int>(req.credit());
      break;
    case v1::SubscribeRequest::kSettle: {
      ASSIGN_OR_RETURN(step.settle, ValidateSettlement(req.settle(), "settle"));
      break;
    }
    case v1::SubscribeRequest::REQUEST_NOT_SET:
      return Invalid("request", "set credit or settle");
  }
  return step;
}

absl::Status ValidateGetStatus(const v1::GetStatusRequest& req) {
  return ValidateOpaqueId(req.message_id(), "msg", "message_id");
}

}  // namespace throughcare::server
