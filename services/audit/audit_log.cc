#include "services/audit/audit_log.h"

#include "absl/strings/str_cat.h"

namespace throughcare::audit {

AuditEntry AuditLog::Begin(const CallContext& ctx, absl::string_view action) const {
  AuditEntry e;
  e.agency_id = ctx.principal.agency_id;
  e.system_id = ctx.principal.system_id;
  e.user_id = ctx.principal.user_id;
  e.role = ctx.principal.role;
  e.action = std::string(action);
  e.purpose = ctx.purpose;
  e.request_id = ctx.request_id;
  e.receipt_key = ctx.idempotency_key;
  return e;
}

absl::Status AuditLog::KeepReceipt(WriteTx& tx, const AuditEntry& entry) const {
  if (entry.receipt_key.empty()) return absl::OkStatus();
  Receipt receipt;
  receipt.agency_id = entry.agency_id;
  receipt.key = entry.receipt_key;
  receipt.request_id = entry.request_id;
  receipt.received_at = clock_.Now();
  return tx.InsertReceipt(receipt);
}

absl::Status AuditLog::Append(WriteTx& tx, AuditEntry entry) const {
  entry.seq = 0;
  entry.time = clock_.Now();
  if (entry.policy_version.empty()) entry.policy_version = policy_version_();
  if (entry.reason.empty()) {
    entry.decision = AuditDecision::kNone;
    entry.reason = absl::StrCat("no policy decision: the call ended with ", entry.outcome,
                                " before one was needed");
  }
  absl::StatusOr<int64_t> id = tx.AppendAudit(entry);
  absl::Status status = id.status();
  if (status.ok() && !entry.break_glass_reason.empty()) {
    ReviewItem item;
    item.review_id = ids_.NewId("rev");
    item.audit_entry = *id;
    item.subject_id = entry.subject_id;
    item.agency_id = entry.agency_id;
    item.user_id = entry.user_id;
    item.role = entry.role;
    item.reason = entry.break_glass_reason;
    item.opened_at = entry.time;
    status = tx.InsertReviewItem(item);
  }
  if (status.ok()) return status;
  return absl::Status(
      absl::IsDataLoss(status) ? absl::StatusCode::kDataLoss : absl::StatusCode::kUnavailable,
      absl::StrCat("audit log unavailable, so the request was not carried out: ",
                   status.message()));
}

}  // namespace throughcare::audit
