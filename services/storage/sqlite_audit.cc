// The audit log: appends, the last entry and the auditors' queries.
#include "services/storage/internal/sqlite_tx.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/internal/sqlite_rows.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

absl::StatusOr<AuditEntry> SqliteTx::LastAuditEntry() {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_AUDIT_COLUMNS " FROM audit_log ORDER BY seq DESC LIMIT 1"));
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError("the audit log is empty");
  return AuditFromRow(*s);
}

absl::StatusOr<AuditPage> SqliteTx::QueryAudit(const AuditQuery& q) {
  // Every filter is written so that an unset one matches everything; the query plan still
  // uses the (column, seq) indexes for the set ones.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_AUDIT_COLUMNS " FROM audit_log WHERE seq > ?1 "
      "AND (?2 = '' OR subject_id = ?2) AND (?3 = '' OR agency_id = ?3) "
      "AND (?4 = '' OR user_id = ?4) AND (?5 = '' OR action = ?5) "
      "AND (?6 = 0 OR decision = ?6) AND time >= ?7 AND time < ?8 "
      "ORDER BY seq LIMIT ?9"));
  s->Bind(1, q.after_seq)
      .Bind(2, q.subject_id)
      .Bind(3, q.agency_id)
      .Bind(4, q.user_id)
      .Bind(5, q.action)
      .Bind(6, q.decision.has_value() ? static_cast<int64_t>(*q.decision) : int64_t{0})
      .Bind(7, q.from.has_value() ? ToMicros(*q.from) : INT64_MIN)
      .Bind(8, q.until.has_value() ? ToMicros(*q.until) : INT64_MAX)
      .Bind(9, static_cast<int64_t>(q.limit) + 1);
  AuditPage page;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    if (static_cast<int>(page.entries.size()) == q.limit) {
      page.more = true;
      break;
    }
    page.entries.push_back(AuditFromRow(*s));
  }
  return page;
}

absl::Status SqliteTx::AppendAudit(const AuditEntry& e) {
  int64_t last = 0;
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT COALESCE(MAX(seq), 0) FROM audit_log"));
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (row) last = s->Int(0);
  }
  if (e.seq != last + 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("audit seq ", e.seq, " does not follow the last seq ", last));
  }
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO audit_log (" TC_AUDIT_COLUMNS ") VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s->Bind(1, e.seq)
      .Bind(2, ToMicros(e.time))
      .Bind(3, e.agency_id)
      .Bind(4, e.system_id)
      .Bind(5, e.user_id)
      .Bind(6, e.role)
      .Bind(7, e.action)
      .Bind(8, e.subject_id)
      .Bind(9, e.record_id)
      .Bind(10, e.record_version)
      .Bind(11, e.purpose)
      .Bind(12, static_cast<int64_t>(e.decision))
      .Bind(13, e.reason)
      .Bind(14, e.policy_version)
      .Bind(15, e.request_id)
      .Bind(16, e.outcome)
      .Bind(17, e.basis)
      .Bind(18, e.break_glass_reason)
      .Bind(19, e.prev_hash)
      .Bind(20, e.hash);
  return s->ExecStatus();
}

}  // namespace throughcare::storage::sqlite_internal
