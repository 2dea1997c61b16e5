// An exported audit entry as the value the log verifier (services/audit/log_verifier.h) checks.
// The one conversion used by `throughcare audit verify` and by the tests that verify an export
// the same way.
#ifndef THROUGHCARE_CLIENT_AUDIT_ENTRY_H_
#define THROUGHCARE_CLIENT_AUDIT_ENTRY_H_

#include "absl/status/statusor.h"
#include "throughcare/audit.h"
#include "throughcare/v1/audit.pb.h"

namespace throughcare::client {

// Every field the leaf hash covers, and the leaf hash served. DataLoss for an unknown decision.
absl::StatusOr<AuditEntry> AuditEntryFromProto(const v1::AuditEntry& p);

}  // namespace throughcare::client

#endif  // THROUGHCARE_CLIENT_AUDIT_ENTRY_H_
