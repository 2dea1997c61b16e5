#include "services/server/validate_audit.h"

#include "throughcare/status_macros.h"

namespace throughcare::server {

using validation::Invalid;
using validation::MaxLength;
using validation::Text;
using validation::OptionalTimestampField;

namespace {

bool IsStatusCodeName(const std::string& name) {
  for (int code = 0; code <= 16; ++code) {
    if (absl::StatusCodeToString(static_cast<absl::StatusCode>(code)) == name) return true;
  }
  return false;
}

absl::Status NotNegative(int64_t value, absl::string_view field) {
  return value < 0 ? Invalid(field, "must not be negative") : absl::OkStatus();
}

}  // namespace

absl::StatusOr<AuditQuery> ValidateQueryAuditLog(const v1::QueryAuditLogRequest& req) {
  AuditQuery q;
  if (!req.subject_id().empty()) {
    RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  }
  q.subject_id = req.subject_id();
  RETURN_IF_ERROR(MaxLength(req.agency_id(), 64, "agency_id"));
  q.agency_id = req.agency_id();
  RETURN_IF_ERROR(MaxLength(req.user_id(), 256, "user_id"));
  q.user_id = req.user_id();
  RETURN_IF_ERROR(MaxLength(req.action(), 64, "action"));
  q.action = req.action();
  RETURN_IF_ERROR(
      validation::EnumValue(req.decision(), *v1::Decision_descriptor(), "decision", false));
  switch (req.decision()) {
    case v1::DECISION_UNSPECIFIED:
      break;
    case v1::DECISION_ALLOW:
      q.decision = AuditDecision::kAllow;
      break;
    case v1::DECISION_DENY:
      q.decision = AuditDecision::kDeny;
      break;
    case v1::DECISION_NONE:
      q.decision = AuditDecision::kNone;
      break;
    default:
      return Invalid("decision", "unknown value");
  }
  if (!req.record_id().empty()) RETURN_IF_ERROR(ValidateRecordId(req.record_id(), "record_id"));
  q.record_id = req.record_id();
  RETURN_IF_ERROR(MaxLength(req.access_purpose(), 64, "access_purpose"));
  q.purpose = req.access_purpose();
  if (!req.outcome().empty() && !IsStatusCodeName(req.outcome())) {
    return Invalid("outcome", "not a status code name such as OK, NOT_FOUND or INVALID_ARGUMENT");
  }
  q.outcome = req.outcome();
  RETURN_IF_ERROR(MaxLength(req.basis_prefix(), 200, "basis_prefix"));
  q.basis_prefix = req.basis_prefix();
  q.break_glass_only = req.break_glass_only();
  RETURN_IF_ERROR(MaxLength(req.system_id(), 128, "system_id"));
  q.system_id = req.system_id();
  ASSIGN_OR_RETURN(q.from,
                   OptionalTimestampField(req.has_from_time(), req.from_time(), "from_time"));
  ASSIGN_OR_RETURN(q.until,
                   OptionalTimestampField(req.has_until_time(), req.until_time(), "until_time"));
  if (q.from && q.until && *q.until <= *q.from) {
    return Invalid("until_time", "must be after from_time");
  }
  ASSIGN_OR_RETURN(q.limit, validation::ValidatePageSize(req.page()));
  ASSIGN_OR_RETURN(q.after_seq, validation::ValidateSeqPageToken(req.page()));
  return q;
}

absl::StatusOr<ReviewPage> ValidateListReviewItems(const v1::ListReviewItemsRequest& req) {
  ReviewPage page;
  ASSIGN_OR_RETURN(page.limit, validation::ValidatePageSize(req.page()));
  ASSIGN_OR_RETURN(page.after_seq, validation::ValidateSeqPageToken(req.page()));
  return page;
}

absl::StatusOr<ReviewOutcome> ValidateCloseReviewItem(const v1::CloseReviewItemRequest& req) {
  RETURN_IF_ERROR(ValidateOpaqueId(req.review_id(), "rev", "review_id"));
  RETURN_IF_ERROR(Text(req.note(), "note", true, 2000));
  RETURN_IF_ERROR(
      validation::EnumValue(req.outcome(), *v1::ReviewOutcome_descriptor(), "outcome", false));
  switch (req.outcome()) {
    case v1::REVIEW_OUTCOME_JUSTIFIED:
      return ReviewOutcome::kJustified;
    case v1::REVIEW_OUTCOME_NOT_JUSTIFIED:
      return ReviewOutcome::kNotJustified;
    case v1::REVIEW_OUTCOME_REFERRED:
      return ReviewOutcome::kReferred;
    default:
      return Invalid("outcome", "required (JUSTIFIED, NOT_JUSTIFIED or REFERRED)");
  }
}

absl::StatusOr<ExportRange> ValidateExportAuditLog(const v1::ExportAuditLogRequest& req) {
  RETURN_IF_ERROR(NotNegative(req.after_seq(), "after_seq"));
  RETURN_IF_ERROR(NotNegative(req.tree_size(), "tree_size"));
  if (req.tree_size() > 0 && req.after_seq() > req.tree_size()) {
    return Invalid("after_seq", "is beyond tree_size");
  }
  return ExportRange{req.after_seq(), req.tree_size()};
}

absl::Status ValidateGetCheckpoint(const v1::GetCheckpointRequest& req) {
  return NotNegative(req.tree_size(), "tree_size");
}

absl::Status ValidateGetInclusionProof(const v1::GetInclusionProofRequest& req) {
  if (req.seq() < 1) return Invalid("seq", "must be 1 or more");
  RETURN_IF_ERROR(NotNegative(req.tree_size(), "tree_size"));
  if (req.tree_size() > 0 && req.seq() > req.tree_size()) {
    return Invalid("seq", "is not in a tree of tree_size entries");
  }
  return absl::OkStatus();
}

absl::Status ValidateGetConsistencyProof(const v1::GetConsistencyProofRequest& req) {
  RETURN_IF_ERROR(NotNegative(req.from_size(), "from_size"));
  RETURN_IF_ERROR(NotNegative(req.to_size(), "to_size"));
  if (req.to_size() > 0 && req.from_size() > req.to_size()) {
    return Invalid("from_size", "must not be larger than to_size");
  }
  return absl::OkStatus();
}

absl::Status ValidateGetProofBundle(const v1::GetProofBundleRequest& req) {
  return req.seq() < 1 ? Invalid("seq", "must be 1 or more") : absl::OkStatus();
}

absl::Status ValidateAddCosignature(const v1::AddCosignatureRequest& req) {
  if (req.tree_size() < 1) return Invalid("tree_size", "must be 1 or more");
  return Text(req.signature_line(), "signature_line", true, 1000);
}

absl::StatusOr<SubjectReportRequest> ValidateGetSubjectAccessReport(
    const v1::GetSubjectAccessReportRequest& req) {
  RETURN_IF_ERROR(ValidateSubjectId(req.subject_id(), "subject_id"));
  SubjectReportRequest out{req.subject_id(), std::nullopt, std::nullopt};
  ASSIGN_OR_RETURN(out.from,
                   OptionalTimestampField(req.has_from_time(), req.from_time(), "from_time"));
  ASSIGN_OR_RETURN(out.until,
                   OptionalTimestampField(req.has_until_time(), req.until_time(), "until_time"));
  if (out.from && out.until && *out.until <= *out.from) {
    return Invalid("until_time", "must be after from_time");
  }
  return out;
}

}  // namespace throughcare::server
