// AuditService (domain): auditors' queries over the log and export for independent verification.
// Both are authorised as "audit.read" on the "audit" data class, and are audited themselves.
#ifndef THROUGHCARE_SERVICES_AUDIT_AUDIT_SERVICE_H_
#define THROUGHCARE_SERVICES_AUDIT_AUDIT_SERVICE_H_

#include "services/audit/audit_log.h"
#include "services/policy/policy_store.h"
#include "throughcare/audit.h"
#include "throughcare/principal.h"
#include "throughcare/storage.h"

namespace throughcare::audit {

class AuditService {
 public:
  AuditService(Storage& storage, const AuditLog& audit_log, const policy::PolicyStore& policies)
      : storage_(storage), audit_log_(audit_log), policies_(policies) {}

  // Entries matching `query` (see AuditQuery), audited as "audit.query".
  void Query(const CallContext& ctx, AuditQuery query, Reply<AuditPage> reply);

  // Authorises an export, audited as "audit.export"; OK means the caller may read pages.
  void BeginExport(const CallContext& ctx, int64_t after_seq, Reply<bool> reply);
  // A page of at most `limit` entries after `after_seq`, for an export that BeginExport allowed.
  // Reads on the calling thread.
  absl::StatusOr<AuditPage> ExportPage(int64_t after_seq, int limit);

 private:
  Storage& storage_;
  const AuditLog& audit_log_;
  const policy::PolicyStore& policies_;
};

}  // namespace throughcare::audit

#endif  // THROUGHCARE_SERVICES_AUDIT_AUDIT_SERVICE_H_
