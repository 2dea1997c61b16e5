// What operating the broker needs beside the domain's queries: mailbox depths for metrics, and
// the heartbeat write that checks whether commits succeed (Storage::CheckWritable).
#include "services/storage/internal/postgres_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {

absl::StatusOr<MailboxDepth> PgTx::GetMailboxDepth(absl::string_view recipient_agency) {
  // Open deliveries are states 1 and 2: one range of deliveries_by_mailbox, whose lowest
  // mailbox_seq leads to the oldest message still waiting.
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "WITH open AS (SELECT COUNT(*) AS n, MIN(mailbox_seq) AS first FROM deliveries "
      "WHERE recipient_agency = $1 AND state IN (1, 2)) "
      "SELECT open.n, m.created_at FROM open "
      "LEFT JOIN deliveries AS d ON d.mailbox_seq = open.first "
      "LEFT JOIN messages AS m ON m.message_id = d.message_id",
      Params().Text(recipient_agency)));
  MailboxDepth depth;
  if (r.rows() == 0) return depth;
  depth.open = r.Int(0, 0);
  depth.oldest_sent_at = r.OptionalTime(0, 1);
  return depth;
}

absl::Status PgTx::Heartbeat() {
  // The one row of `heartbeat`, which nothing reads, written with a new version: the commit
  // must take a transaction id, write the row and flush its WAL like any other write.
  ASSIGN_OR_RETURN(Result r, conn_->Exec("UPDATE heartbeat SET beats = beats + 1 WHERE id = 1"));
  if (r.affected() != 1) return absl::InternalError("postgres: the heartbeat row is missing");
  return absl::OkStatus();
}

}  // namespace throughcare::storage::pg_internal
