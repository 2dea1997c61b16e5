// What operating the broker needs beside the domain's queries: mailbox depths for metrics, and
// the heartbeat write that checks whether commits succeed (Storage::CheckWritable).
#include <optional>

#include "absl/strings/str_cat.h"
#include "services/storage/internal/sqlite_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

absl::StatusOr<MailboxDepth> SqliteTx::GetMailboxDepth(absl::string_view recipient_agency) {
  // Open deliveries are states 1 and 2: one range of deliveries_by_mailbox, whose first entry
  // (the lowest mailbox_seq) leads to the oldest message still waiting.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "WITH open AS (SELECT COUNT(*) AS n, MIN(mailbox_seq) AS first FROM deliveries "
      "WHERE recipient_agency = ? AND state IN (1, 2)) "
      "SELECT open.n, m.created_at FROM open "
      "LEFT JOIN deliveries AS d ON d.mailbox_seq = open.first "
      "LEFT JOIN messages AS m ON m.message_id = d.message_id"));
  s->Bind(1, recipient_agency);
  ASSIGN_OR_RETURN(bool row, s->Step());
  MailboxDepth depth;
  if (!row) return depth;
  depth.open = s->Int(0);
  depth.oldest_sent_at = s->OptionalTime(1);
  return depth;
}

absl::Status SqliteTx::Heartbeat() {
  // Writing the header's user_version (which nothing else uses) with its own value dirties the
  // first page, so the commit must append to the write-ahead log like any other write.
  int64_t version = 0;
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare("PRAGMA user_version"));
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (row) version = s->Int(0);
  }
  return conn_->Exec(absl::StrCat("PRAGMA user_version = ", version).c_str());
}

}  // namespace throughcare::storage::sqlite_internal
