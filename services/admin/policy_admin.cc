#include "services/admin/policy_admin.h"

#include "absl/strings/str_cat.h"
#include "services/policy/authorize.h"
#include "throughcare/status_macros.h"

namespace throughcare::policy {

absl::StatusOr<ReloadResult> PolicyAdmin::Reload() {
  ASSIGN_OR_RETURN(std::shared_ptr<const Policy> next, Policy::LoadFile(policy_file_));
  RETURN_IF_ERROR(fits_(*next));
  ReloadResult result{policies_.Current()->version(), next->version()};
  policies_.Replace(std::move(next));
  return result;
}

void PolicyAdmin::ReloadFor(const CallContext& ctx, audit::Reply<ReloadResult> reply) {
  // Loaded and checked in the audited transaction; put in force only once that is durable.
  auto next = std::make_shared<std::shared_ptr<const Policy>>();
  audit::RunAudited<ReloadResult>(
      storage_, audit_log_, audit_log_.Begin(ctx, kPolicyReload),
      [this, current = policies_.Current(), ctx, next](
          WriteTx& tx, AuditEntry& entry) -> absl::StatusOr<ReloadResult> {
        Target target;
        target.action = std::string(kPolicyReload);
        target.data_class = std::string(kAuditDataClass);
        RETURN_IF_ERROR(Authorize(*current, ctx, target, clock_.Now(), entry).status());
        ASSIGN_OR_RETURN(*next, Policy::LoadFile(policy_file_));
        RETURN_IF_ERROR(fits_(**next));
        entry.reason = absl::StrCat(entry.reason, "; policy ", current->version(), " -> ",
                                    (*next)->version());
        return ReloadResult{current->version(), (*next)->version()};
      },
      [this, next, reply = std::move(reply)](absl::StatusOr<ReloadResult> result) mutable {
        if (result.ok()) policies_.Replace(std::move(*next));
        reply(std::move(result));
      });
}

}  // namespace throughcare::policy
