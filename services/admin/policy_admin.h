// Reloading the policy file: on SIGHUP and through AdminService.ReloadPolicy. A file that does
// not load, or does not fit the broker's configuration, is rejected and the policy in force
// stays. Calls in flight keep the policy snapshot they started with.
#ifndef THROUGHCARE_SERVICES_ADMIN_POLICY_ADMIN_H_
#define THROUGHCARE_SERVICES_ADMIN_POLICY_ADMIN_H_

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "services/audit/audit_log.h"
#include "services/policy/policy_store.h"
#include "throughcare/clock.h"
#include "throughcare/principal.h"
#include "throughcare/storage.h"

namespace throughcare::policy {

struct ReloadResult {
  std::string previous_version;
  std::string version;
};

// Thread-safe.
class PolicyAdmin {
 public:
  // `fits` checks a loaded policy against the rest of the configuration (e.g. that every role an
  // agency may grant is declared); its error is returned as is.
  PolicyAdmin(Storage& storage, const audit::AuditLog& audit_log, PolicyStore& policies,
              const Clock& clock, std::string policy_file,
              std::function<absl::Status(const Policy&)> fits)
      : storage_(storage),
        audit_log_(audit_log),
        policies_(policies),
        clock_(clock),
        policy_file_(std::move(policy_file)),
        fits_(std::move(fits)) {}

  // Reloads for the operator (SIGHUP).
  absl::StatusOr<ReloadResult> Reload();
  // Reloads for a caller allowed "policy.reload"; audited as "policy.reload".
  void ReloadFor(const CallContext& ctx, audit::Reply<ReloadResult> reply);

 private:
  Storage& storage_;
  const audit::AuditLog& audit_log_;
  PolicyStore& policies_;
  const Clock& clock_;
  const std::string policy_file_;
  const std::function<absl::Status(const Policy&)> fits_;
};

}  // namespace throughcare::policy

#endif  // THROUGHCARE_SERVICES_ADMIN_POLICY_ADMIN_H_
