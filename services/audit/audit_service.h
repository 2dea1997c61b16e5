// AuditService (domain): auditors' queries over the log and export for independent verification.
// Both are authorised as "audit.read" on the "audit" data class, and are audited themselves.
#ifndef THROUGHCARE_SERVICES_AUDIT_AUDIT_SERVICE_H_
#define THROUGHCARE_SERVICES_AUDIT_AUDIT_SERVICE_H_

#include "services/audit/audit_log.h"
#include "services/policy/policy_store.h"
#include "throughcare/audit.h"
#include "throughcare/clock.h"
#include "throughcare/consent.h"
#include "throughcare/principal.h"
#include "throughcare/storage.h"

namespace throughcare::audit {

class AuditService {
 public:
  AuditService(Storage& storage, const AuditLog& audit_log, const policy::PolicyStore& policies,
               const Clock& clock)
      : storage_(storage), audit_log_(audit_log), policies_(policies), clock_(clock) {}

  // Entries matching `query` (see AuditQuery), audited as "audit.query".
  void Query(const CallContext& ctx, AuditQuery query, Reply<AuditPage> reply);

  // Authorises an export, audited as "audit.export"; OK means the caller may read pages.
  void BeginExport(const CallContext& ctx, int64_t after_seq, Reply<bool> reply);
  // A page of at most `limit` entries after `after_seq`, for an export that BeginExport allowed.
  // Reads on the calling thread.
  absl::StatusOr<AuditPage> ExportPage(int64_t after_seq, int limit);

  // Break-glass review queue: items ordered by their access's audit seq, after `after_seq`.
  // Audited as "review.list".
  void ListReviewItems(const CallContext& ctx, bool include_closed, int64_t after_seq, int limit,
                       Reply<std::vector<ReviewItem>> reply);
  // Records an auditor's outcome (not kOpen) and note. NOT_FOUND if absent;
  // FAILED_PRECONDITION if already closed. Audited as "review.close", about the item's person.
  void CloseReviewItem(const CallContext& ctx, std::string review_id, ReviewOutcome outcome,
                       std::string note, Reply<ReviewItem> reply);

 private:
  Storage& storage_;
  const AuditLog& audit_log_;
  const policy::PolicyStore& policies_;
  const Clock& clock_;
};

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_AUDIT_SERVICE_H_
