// AuditService's request validators (see validate_common.h for the conventions).
#ifndef THROUGHCARE_SERVICES_SERVER_VALIDATE_AUDIT_H_
#define THROUGHCARE_SERVICES_SERVER_VALIDATE_AUDIT_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "services/server/validate_common.h"
#include "throughcare/audit.h"
#include "throughcare/consent.h"
#include "throughcare/v1/audit.pb.h"

namespace throughcare::server {

// Filters of known lengths, until_time after from_time, a page of 0 to 1000 (default 100) and a
// token returned by an earlier page.
absl::StatusOr<AuditQuery> ValidateQueryAuditLog(const v1::QueryAuditLogRequest& req);

struct ReviewPage {
  int64_t after_seq = 0;
  int limit = 100;
};
absl::StatusOr<ReviewPage> ValidateListReviewItems(const v1::ListReviewItemsRequest& req);
// A review id, a note and an outcome (not "open").
absl::StatusOr<ReviewOutcome> ValidateCloseReviewItem(const v1::CloseReviewItemRequest& req);

}  // namespace throughcare::server

#endif  // THROUGHCARE_SERVICES_SERVER_VALIDATE_AUDIT_H_
