// Receipts of adapters' inputs: what was carried out once is not carried out again.
#include <sqlite3.h>

#include "absl/strings/str_cat.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/internal/sqlite_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

absl::StatusOr<Receipt> SqliteTx::GetReceipt(absl::string_view agency_id, absl::string_view key) {
  ASSIGN_OR_RETURN(
      auto s, conn_->Prepare(
                  "SELECT request_id, received_at FROM receipts WHERE agency_id = ? AND key = ?"));
  s->Bind(1, agency_id).Bind(2, key);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no receipt for '", key, "'"));
  Receipt r;
  r.agency_id = std::string(agency_id);
  r.key = std::string(key);
  r.request_id = s->Text(0);
  r.received_at = s->Time(1);
  return r;
}

absl::Status SqliteTx::InsertReceipt(const Receipt& r) {
  ASSIGN_OR_RETURN(
      auto s,
      conn_->Prepare(
          "INSERT INTO receipts (agency_id, key, request_id, received_at) VALUES (?, ?, ?, ?)"));
  s->Bind(1, r.agency_id).Bind(2, r.key).Bind(3, r.request_id).Bind(4, ToMicros(r.received_at));
  int rc = s->Exec();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError(
        absl::StrCat("'", r.key, "' was carried out already for agency '", r.agency_id, "'"));
  }
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "insert receipt");
}

}  // namespace throughcare::storage::sqlite_internal
