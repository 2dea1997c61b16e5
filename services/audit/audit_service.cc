#include "services/audit/audit_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/policy/authorize.h"
#include "throughcare/status_macros.h"

namespace throughcare::audit {
namespace {

// Auditors' actions are about the log, not about one person: only the role is checked.
policy::Target AuditTarget() {
  policy::Target target;
  target.action = std::string(policy::kAuditRead);
  target.data_class = std::string(policy::kAuditDataClass);
  return target;
}

}  // namespace

void AuditService::Query(const CallContext& ctx, AuditQuery query, Reply<AuditPage> reply) {
  AuditEntry entry = audit_log_.Begin(ctx, "audit.query");
  entry.subject_id = query.subject_id;
  RunAudited<AuditPage>(
      storage_, audit_log_, std::move(entry),
      [this, policy = policies_.Current(), ctx, query = std::move(query)](
          WriteTx& tx, AuditEntry& e) -> absl::StatusOr<AuditPage> {
        RETURN_IF_ERROR(policy::Authorize(*policy, ctx, AuditTarget(), clock_.Now(), e).status());
        return tx.QueryAudit(query);
      },
      std::move(reply));
}

void AuditService::BeginExport(const CallContext& ctx, int64_t after_seq, Reply<bool> reply) {
  RunAudited<bool>(
      storage_, audit_log_, audit_log_.Begin(ctx, "audit.export"),
      [this, policy = policies_.Current(), ctx](WriteTx& tx,
                                                AuditEntry& e) -> absl::StatusOr<bool> {
        RETURN_IF_ERROR(policy::Authorize(*policy, ctx, AuditTarget(), clock_.Now(), e).status());
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

void AuditService::ListReviewItems(const CallContext& ctx, bool include_closed, int64_t after_seq,
                                   int limit, Reply<std::vector<ReviewItem>> reply) {
  RunAudited<std::vector<ReviewItem>>(
      storage_, audit_log_, audit_log_.Begin(ctx, "review.list"),
      [this, policy = policies_.Current(), ctx, include_closed, after_seq, limit](
          WriteTx& tx, AuditEntry& e) -> absl::StatusOr<std::vector<ReviewItem>> {
        RETURN_IF_ERROR(policy::Authorize(*policy, ctx, AuditTarget(), clock_.Now(), e).status());
        return tx.ListReviewItems(!include_closed, after_seq, limit);
      },
      std::move(reply));
}

void AuditService::CloseReviewItem(const CallContext& ctx, std::string review_id,
                                   ReviewOutcome outcome, std::string note,
                                   Reply<ReviewItem> reply) {
  RunAudited<ReviewItem>(
      storage_, audit_log_, audit_log_.Begin(ctx, "review.close"),
      [this, policy = policies_.Current(), ctx, review_id = std::move(review_id), outcome,
       note = std::move(note)](WriteTx& tx, AuditEntry& e) -> absl::StatusOr<ReviewItem> {
        RETURN_IF_ERROR(policy::Authorize(*policy, ctx, AuditTarget(), clock_.Now(), e).status());
        absl::StatusOr<ReviewItem> item = tx.GetReviewItem(review_id);
        if (absl::IsNotFound(item.status())) {
          return absl::NotFoundError(absl::StrCat("review_id: no review item ", review_id));
        }
        RETURN_IF_ERROR(item.status());
        e.subject_id = item->subject_id;
        if (item->outcome != ReviewOutcome::kOpen) {
          return absl::FailedPreconditionError(
              absl::StrCat("review_id: ", review_id, " is already closed"));
        }
        item->outcome = outcome;
        item->closed_by_agency = ctx.principal.agency_id;
        item->closed_by_user = ctx.principal.user_id;
        item->closed_at = clock_.Now();
        item->note = note;
        RETURN_IF_ERROR(tx.CloseReviewItem(*item));
        e.reason = absl::StrCat(e.reason, "; closed review ", review_id, " of audit entry ",
                                item->audit_seq);
        return item;
      },
      std::move(reply));
}

}  // namespace throughcare::audit
