// Records: versioned, sealed record bodies with their headers.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/storage/internal/postgres_rows.h"
#include "services/storage/internal/postgres_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {

namespace {

// Refuses labels the comma-joined encoding cannot hold.
absl::Status CheckLabels(const RecordHeader& h) {
  if (h.version < 1) return absl::InvalidArgumentError("record version must be at least 1");
  for (const std::string& label : h.labels) {
    if (label.empty() || label.find(',') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("record label '", label, "' is empty or contains ','"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<StoredRecord> PgTx::GetRecord(absl::string_view record_id, int64_t version) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_RECORD_COLUMNS " FROM records WHERE record_id = $1 "
      "AND ($2::bigint = 0 OR version = $2) ORDER BY version DESC LIMIT 1",
      Params().Text(record_id).Int(version)));
  if (r.rows() == 0) {
    return absl::NotFoundError(version == 0
                                   ? absl::StrCat("no record ", record_id)
                                   : absl::StrCat("no version ", version, " of record ",
                                                  record_id));
  }
  return RecordFromRow(Row(r, 0));
}

absl::StatusOr<std::vector<StoredRecord>> PgTx::ListLatestRecords(absl::string_view subject_id) {
  // Each record's latest version, in the order the records were first stored (pos).
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_RECORD_COLUMNS " FROM records r JOIN (SELECT record_id AS id, "
      "MAX(version) AS latest, MIN(pos) AS first FROM records WHERE subject_id = $1 "
      "GROUP BY record_id) h ON r.record_id = h.id AND r.version = h.latest ORDER BY h.first",
      Params().Text(subject_id)));
  std::vector<StoredRecord> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(RecordFromRow(Row(r, i)));
  return out;
}

absl::Status PgTx::InsertRecordVersion(const StoredRecord& record) {
  const RecordHeader& h = record.header;
  RETURN_IF_ERROR(CheckLabels(h));
  if (h.version > 1) {
    ASSIGN_OR_RETURN(Result r, conn_->Exec(
        "SELECT COALESCE(MAX(version), 0) FROM records WHERE record_id = $1",
        Params().Text(h.record_id)));
    const int64_t latest = r.Int(0, 0);
    if (latest != h.version - 1) {
      return absl::AbortedError(absl::StrCat("record ", h.record_id, " is at version ", latest,
                                             ", not ", h.version - 1));
    }
  }
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO records (" TC_PG_RECORD_COLUMNS ") SELECT $1, $2, $3, $4, $5, $6, $7, $8, "
      "$9, $10, $11 WHERE EXISTS (SELECT 1 FROM subjects WHERE id = $3::tc_text) "
      "ON CONFLICT DO NOTHING",
      Params()
          .Text(h.record_id)
          .Int(h.version)
          .Text(h.subject_id)
          .Text(h.record_type)
          .Text(h.data_class)
          .Text(h.collected_for)
          .Text(absl::StrJoin(h.labels, ","))
          .Text(h.owner_agency)
          .Text(h.author_user)
          .Time(h.created_at)
          .Bytes(record.sealed_body)));
  if (r.affected() == 1) return absl::OkStatus();
  ASSIGN_OR_RETURN(bool taken, Exists(*conn_,
      "SELECT 1 FROM records WHERE record_id = $1 AND version = $2",
      Params().Text(h.record_id).Int(h.version)));
  if (!taken) return absl::NotFoundError(absl::StrCat("no subject ", h.subject_id));
  return h.version == 1
             ? absl::AlreadyExistsError(absl::StrCat("record ", h.record_id, " already exists"))
             : absl::AbortedError(absl::StrCat("record ", h.record_id, " changed concurrently"));
}

}  // namespace throughcare::storage::pg_internal
