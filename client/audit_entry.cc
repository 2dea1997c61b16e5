#include "client/audit_entry.h"

#include "absl/strings/str_cat.h"

namespace throughcare::client {

absl::StatusOr<AuditEntry> AuditEntryFromProto(const v1::AuditEntry& p) {
  AuditEntry e;
  e.seq = p.seq();
  e.time = absl::FromUnixMicros(p.time().seconds() * 1000000 + p.time().nanos() / 1000);
  e.agency_id = p.agency_id();
  e.system_id = p.system_id();
  e.user_id = p.user_id();
  e.role = p.role();
  e.action = p.action();
  e.subject_id = p.subject_id();
  e.record_id = p.record_id();
  e.record_version = p.record_version();
  e.purpose = p.purpose();
  switch (p.decision()) {
    case v1::DECISION_ALLOW:
      e.decision = AuditDecision::kAllow;
      break;
    case v1::DECISION_DENY:
      e.decision = AuditDecision::kDeny;
      break;
    case v1::DECISION_NONE:
      e.decision = AuditDecision::kNone;
      break;
    default:
      return absl::DataLossError(
          absl::StrCat("audit entry ", p.seq(), ": decision is not allow, deny or none"));
  }
  e.reason = p.reason();
  e.policy_version = p.policy_version();
  e.request_id = p.request_id();
  e.outcome = p.outcome();
  e.basis = p.basis();
  e.break_glass_reason = p.break_glass_reason();
  e.leaf_hash = p.leaf_hash();
  return e;
}

}  // namespace throughcare::client
