// Asking the policy about the audit log itself (not about one person): only the role is checked.
// Internal to services/audit.
#ifndef THROUGHCARE_SERVICES_AUDIT_INTERNAL_AUTHORIZE_AUDIT_H_
#define THROUGHCARE_SERVICES_AUDIT_INTERNAL_AUTHORIZE_AUDIT_H_

#include "absl/status/status.h"
#include "services/policy/authorize.h"

namespace throughcare::audit::internal {

// "audit.read" on the "audit" data class.
inline absl::Status AuthorizeRead(const policy::Policy& policy, const CallContext& ctx,
                                  absl::Time now, AuditEntry& entry) {
  policy::Target target;
  target.action = std::string(policy::kAuditRead);
  target.data_class = std::string(policy::kAuditDataClass);
  return policy::Authorize(policy, ctx, target, now, entry).status();
}

// "audit.witness" on the "audit" data class.
inline absl::Status AuthorizeWitness(const policy::Policy& policy, const CallContext& ctx,
                                     absl::Time now, AuditEntry& entry) {
  policy::Target target;
  target.action = std::string(policy::kAuditWitness);
  target.data_class = std::string(policy::kAuditDataClass);
  return policy::Authorize(policy, ctx, target, now, entry).status();
}

// Either: auditors read checkpoints and consistency proofs, and so do witnesses.
inline absl::Status AuthorizeReadOrWitness(const policy::Policy& policy, const CallContext& ctx,
                                           absl::Time now, AuditEntry& entry) {
  absl::Status read = AuthorizeRead(policy, ctx, now, entry);
  if (!absl::IsPermissionDenied(read)) return read;
  absl::Status witness = AuthorizeWitness(policy, ctx, now, entry);
  if (!absl::IsPermissionDenied(witness)) return witness;
  return AuthorizeRead(policy, ctx, now, entry);  // the entry says what reading needs
}

}  // namespace throughcare::audit::internal

#endif  // THROUGHCARE_SERVICES_AUDIT_INTERNAL_AUTHORIZE_AUDIT_H_
