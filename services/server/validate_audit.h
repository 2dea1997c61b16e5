// AuditService's request validators (see validate_common.h for the conventions).
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_AUDIT_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_AUDIT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "services/server/validate_common.h"
#include "throughcare/audit.h"
#include "throughcare/consent.h"
#include "throughcare/v1/audit.pb.h"

namespace throughcare::server {

// Filters of known lengths, until_time after from_time, a page of 0 to 1000 (default 100) and a
// token returned by an earlier page.
absl::StatusOr<AuditQuery> ValidateQueryAuditLog(const v1::QueryAuditLogRequest& req);

// Pages of the review queue; the token is the audit entry handle of the last item's access.
struct ReviewPage {
  int64_t after_seq = 0;
  int limit = 100;
};
absl::StatusOr<ReviewPage> ValidateListReviewItems(const v1::ListReviewItemsRequest& req);
// A review id, a note and an outcome (not "open").
absl::StatusOr<ReviewOutcome> ValidateCloseReviewItem(const v1::CloseReviewItemRequest& req);

struct ExportRange {
  int64_t after_seq = 0;
  int64_t tree_size = 0;  // 0: up to the current tree
};
// after_seq and tree_size not negative, after_seq not beyond tree_size.
absl::StatusOr<ExportRange> ValidateExportAuditLog(const v1::ExportAuditLogRequest& req);
// Tree sizes not negative; seq 1 or more and within tree_size; from_size not above to_size; a
// non-empty signature line of at most 1000 characters.
absl::Status ValidateGetCheckpoint(const v1::GetCheckpointRequest& req);
absl::Status ValidateGetInclusionProof(const v1::GetInclusionProofRequest& req);
absl::Status ValidateGetConsistencyProof(const v1::GetConsistencyProofRequest& req);
absl::Status ValidateGetProofBundle(const v1::GetProofBundleRequest& req);
absl::Status ValidateAddCosignature(const v1::AddCosignatureRequest& req);

struct SubjectReportRequest {
  std::string subject_id;
  std::optional<absl::Time> from;
  std::optional<absl::Time> until;
};
// A subject id, and until_time after from_time (each within years 1 to 9999).
absl::StatusOr<SubjectReportRequest> ValidateGetSubjectAccessReport(
    const v1::GetSubjectAccessReportRequest& req);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_AUDIT_H_
