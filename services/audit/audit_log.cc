#include "services/audit/audit_log.h"

#include "absl/strings/str_cat.h"
#include "services/audit/chain.h"

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
  return e;
}

absl::Status AuditLog::Append(WriteTx& tx, AuditEntry entry) const {
  absl::StatusOr<AuditEntry> last = tx.LastAuditEntry();
  absl::Status status = last.status();
  if (last.ok() || absl::IsNotFound(status)) {
    entry.seq = last.ok() ? last->seq + 1 : 1;
    entry.prev_hash = last.ok() ? last->hash : kGenesisHash;
    entry.time = clock_.Now();
    entry.hash = ComputeEntryHash(entry);
    status = tx.AppendAudit(entry);
  }
  if (status.ok()) return status;
  return absl::UnavailableError(
      absl::StrCat("audit log unavailable, so the request was not carried out: ",
                   status.message()));
}

absl::Status Authorize(const policy::Policy& policy, const CallContext& ctx,
                       absl::string_view action, absl::string_view data_class,
                       AuditEntry& entry) {
  policy::Decision d = policy.Decide(policy::AccessRequest{
      ctx.principal.role, std::string(action), std::string(data_class), ctx.purpose});
  entry.decision = d.allowed ? AuditDecision::kAllow : AuditDecision::kDeny;
  entry.reason = d.reason;
  entry.policy_version = policy.version();
  if (d.allowed) return absl::OkStatus();
  return absl::PermissionDeniedError(d.reason);
}

}  // namespace throughcare::audit
