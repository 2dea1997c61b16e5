#include "services/audit/audit_service.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/audit/internal/authorize_audit.h"
#include "throughcare/status_macros.h"
#include "throughcare/audit_actions.h"

namespace throughcare::audit {

void AuditService::Query(const CallContext& ctx, AuditQuery query, Reply<AuditPage> reply) {
  AuditEntry entry = audit_log_.Begin(ctx, audit::kAuditQuery);
  entry.subject_id = query.subject_id;
  RunAudited<AuditPage>(
      storage_, audit_log_, std::move(entry),
      [this, policy = policies_.Current(), ctx, query = std::move(query)](
          WriteTx& tx, AuditEntry& e) -> absl::StatusOr<AuditPage> {
        RETURN_IF_ERROR(internal::AuthorizeRead(*policy, ctx, clock_.Now(), e));
        RETURN_IF_ERROR(sequencer_.SequencePending(tx).status());
        return tx.QueryAudit(query);
      },
      std::move(reply));
}

void AuditService::BeginExport(const CallContext& ctx, int64_t tree_size, Reply<int64_t> reply) {
  RunAudited<int64_t>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kAuditExport),
      [this, policy = policies_.Current(), ctx, tree_size](
          WriteTx& tx, AuditEntry& e) -> absl::StatusOr<int64_t> {
        RETURN_IF_ERROR(internal::AuthorizeRead(*policy, ctx, clock_.Now(), e));
        ASSIGN_OR_RETURN(AuditTreeHead head, sequencer_.SequencePending(tx));
        if (tree_size > head.size) {
          return absl::InvalidArgumentError(absl::StrCat(
              "tree_size: the log has ", head.size, " entries, not ", tree_size));
        }
        return tree_size > 0 ? tree_size : head.size;
      },
      std::move(reply));
}

absl::StatusOr<AuditPage> AuditService::ExportPage(int64_t after_seq, int64_t until_seq,
                                                   int limit) {
  AuditPage page;
  if (after_seq >= until_seq) return page;
  RETURN_IF_ERROR(storage_.Read([&](ReadTx& tx) -> absl::Status {
    AuditQuery q;
    q.after_seq = after_seq;
    q.limit = static_cast<int>(std::min<int64_t>(limit, until_seq - after_seq));
    ASSIGN_OR_RETURN(page, tx.QueryAudit(q));
    return absl::OkStatus();
  }));
  if (!page.entries.empty() && page.entries.back().seq >= until_seq) page.more = false;
  return page;
}

void AuditService::ListReviewItems(const CallContext& ctx, bool include_closed, int64_t after,
                                   int limit, Reply<std::vector<ReviewItem>> reply) {
  RunAudited<std::vector<ReviewItem>>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kReviewList),
      [this, policy = policies_.Current(), ctx, include_closed, after, limit](
          WriteTx& tx, AuditEntry& e) -> absl::StatusOr<std::vector<ReviewItem>> {
        RETURN_IF_ERROR(internal::AuthorizeRead(*policy, ctx, clock_.Now(), e));
        RETURN_IF_ERROR(sequencer_.SequencePending(tx).status());
        return tx.ListReviewItems(!include_closed, after, limit);
      },
      std::move(reply));
}

void AuditService::CloseReviewItem(const CallContext& ctx, std::string review_id,
                                   ReviewOutcome outcome, std::string note,
                                   Reply<ReviewItem> reply) {
  RunAudited<ReviewItem>(
      storage_, audit_log_, audit_log_.Begin(ctx, audit::kReviewClose),
      [this, policy = policies_.Current(), ctx, review_id = std::move(review_id), outcome,
       note = std::move(note)](WriteTx& tx, AuditEntry& e) -> absl::StatusOr<ReviewItem> {
        RETURN_IF_ERROR(internal::AuthorizeRead(*policy, ctx, clock_.Now(), e));
        RETURN_IF_ERROR(sequencer_.SequencePending(tx).status());
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
