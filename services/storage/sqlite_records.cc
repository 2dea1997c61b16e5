// Records: versioned, sealed record bodies with their headers.
#include "services/storage/internal/sqlite_tx.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/internal/sqlite_rows.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

absl::StatusOr<StoredRecord> SqliteTx::GetRecord(absl::string_view record_id, int64_t version) {
  static const std::string kLatest =
      absl::StrCat("SELECT ", kRecordColumns,
                   " FROM records WHERE record_id = ? ORDER BY version DESC LIMIT 1");
  static const std::string kExact =
      absl::StrCat("SELECT ", kRecordColumns, " FROM records WHERE record_id = ? AND version = ?");
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(version == 0 ? kLatest.c_str() : kExact.c_str()));
  s->Bind(1, record_id);
  if (version != 0) s->Bind(2, version);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) {
    return absl::NotFoundError(version == 0
                                   ? absl::StrCat("no record ", record_id)
                                   : absl::StrCat("no version ", version, " of record ",
                                                  record_id));
  }
  return RecordFromRow(*s);
}

absl::StatusOr<std::vector<StoredRecord>> SqliteTx::ListLatestRecords(
    absl::string_view subject_id) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kRecordColumns,
      " FROM records r JOIN (SELECT record_id AS id, MAX(version) AS latest, MIN(rowid) AS "
      "first FROM records WHERE subject_id = ? GROUP BY record_id) h "
      "ON r.record_id = h.id AND r.version = h.latest ORDER BY h.first");
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(kSql.c_str()));
  s->Bind(1, subject_id);
  std::vector<StoredRecord> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(RecordFromRow(*s));
  }
  return out;
}

absl::Status SqliteTx::InsertRecordVersion(const StoredRecord& record) {
  const RecordHeader& h = record.header;
  if (h.version < 1) return absl::InvalidArgumentError("record version must be at least 1");
  for (const std::string& label : h.labels) {
    if (label.empty() || label.find(',') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("record label '", label, "' is empty or contains ','"));
    }
  }
  if (h.version > 1) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT MAX(version) FROM records WHERE record_id = ?"));
    s->Bind(1, h.record_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    int64_t latest = row ? s->Int(0) : 0;
    if (latest != h.version - 1) {
      return absl::AbortedError(absl::StrCat("record ", h.record_id, " is at version ", latest,
                                             ", not ", h.version - 1));
    }
  }
  static const std::string kSql =
      absl::StrCat("INSERT INTO records (", kRecordColumns,
                   ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(kSql.c_str()));
  s->Bind(1, h.record_id)
      .Bind(2, h.version)
      .Bind(3, h.subject_id)
      .Bind(4, h.record_type)
      .Bind(5, h.data_class)
      .Bind(6, h.collected_for)
      .Bind(7, absl::StrJoin(h.labels, ","))
      .Bind(8, h.owner_agency)
      .Bind(9, h.author_user)
      .Bind(10, ToMicros(h.created_at))
      .BindBlob(11, record.sealed_body);
  int rc = s->Exec();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return h.version == 1 ? absl::AlreadyExistsError(
                                absl::StrCat("record ", h.record_id, " already exists"))
                          : absl::AbortedError(absl::StrCat("record ", h.record_id,
                                                            " changed concurrently"));
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return absl::NotFoundError(absl::StrCat("no subject ", h.subject_id));
  }
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "insert record");
}

}  // namespace throughcare::storage::sqlite_internal
