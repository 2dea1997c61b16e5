#include "services/server/validate_audit.h"

#include "throughcare/status_macros.h"

namespace throughcare::server {

using validation::Invalid;
using validation::MaxLength;
using validation::Text;
using validation::TimeOf;

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
  switch (req.decision()) {
    case v1::DECISION_UNSPECIFIED:
      break;
    case v1::DECISION_ALLOW:
      q.decision = AuditDecision::kAllow;
      break;
    case v1::DECISION_DENY:
      q.decision = AuditDecision::kDeny;
      break;
    default:
      return Invalid("decision", "unknown value");
  }
  if (req.has_from_time()) q.from = TimeOf(req.from_time());
  if (req.has_until_time()) q.until = TimeOf(req.until_time());
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

}  // namespace throughcare::server
