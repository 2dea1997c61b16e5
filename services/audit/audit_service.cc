#include "services/audit/audit_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "throughcare/status_macros.h"

namespace throughcare::audit {

void AuditService::Query(const CallContext& ctx, AuditQuery query, Reply<AuditPage> reply) {
  AuditEntry entry = audit_log_.Begin(ctx, "audit.query");
  entry.subject_id = query.subject_id;
  RunAudited<AuditPage>(
      storage_, audit_log_, std::move(entry),
      [policy = policies_.Current(), ctx, query = std::move(query)](
          WriteTx& tx, AuditEntry& e) -> absl::StatusOr<AuditPage> {
        RETURN_IF_ERROR(
            Authorize(*policy, ctx, policy::kAuditRead, policy::kAuditDataClass, e));
        return tx.QueryAudit(query);
      },
      std::move(reply));
}

void AuditService::BeginExport(const CallContext& ctx, int64_t after_seq, Reply<bool> reply) {
  RunAudited<bool>(
      storage_, audit_log_, audit_log_.Begin(ctx, "audit.export"),
      [policy = policies_.Current(), ctx](WriteTx& tx, AuditEntry& e) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(
            Authorize(*policy, ctx, policy::kAuditRead, policy::kAuditDataClass, e));
        return true;
      },
      std::move(reply));
}

absl::StatusOr<AuditPage> AuditService::ExportPage(int64_t after_seq, int limit) {
  AuditPage page;
  RETURN_IF_ERROR(storage_.Read([&](ReadTx& tx) -> absl::Status {
    AuditQuery q;
    q.after_seq = after_seq;
    q.limit = limit;
    ASSIGN_OR_RETURN(page, tx.QueryAudit(q));
    return absl::OkStatus();
  }));
  return page;
}

}  // namespace throughcare::audit
