// Receipts of adapters' inputs: what was carried out once is not carried out again.
#include <string>

#include "absl/strings/str_cat.h"
#include "services/storage/internal/postgres_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {

absl::StatusOr<Receipt> PgTx::GetReceipt(absl::string_view agency_id, absl::string_view key) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT request_id, received_at FROM receipts WHERE agency_id = $1 AND key = $2",
      Params().Text(agency_id).Text(key)));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no receipt for '", key, "'"));
  Receipt receipt;
  receipt.agency_id = std::string(agency_id);
  receipt.key = std::string(key);
  receipt.request_id = r.Text(0, 0);
  receipt.received_at = r.Time(0, 1);
  return receipt;
}

absl::Status PgTx::InsertReceipt(const Receipt& receipt) {
  // A duplicate touches no row instead of failing, which would leave the transaction unusable.
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO receipts (agency_id, key, request_id, received_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT DO NOTHING",
      Params().Text(receipt.agency_id).Text(receipt.key).Text(receipt.request_id)
          .Time(receipt.received_at)));
  if (r.affected() == 1) return absl::OkStatus();
  return absl::AlreadyExistsError(absl::StrCat("'", receipt.key,
                                               "' was carried out already for agency '",
                                               receipt.agency_id, "'"));
}

}  // namespace throughcare::storage::pg_internal
