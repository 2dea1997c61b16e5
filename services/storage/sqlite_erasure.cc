// Erasure: per-record data keys, destroying them, and the erasures kept.
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/internal/sqlite_rows.h"
#include "services/storage/internal/sqlite_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {
namespace {

constexpr const char* kErasureColumns =
    "id, subject_id, IFNULL(record_id, ''), record_type, data_class, erased_at, agency_id, "
    "user_id, role, basis, reason";

Erasure ErasureFromRow(const Stmt& s) {
  Erasure e;
  e.id = s.Int(0);
  e.subject_id = s.Text(1);
  e.record_id = s.Text(2);
  e.record_type = s.Text(3);
  e.data_class = s.Text(4);
  e.erased_at = s.Time(5);
  e.agency_id = s.Text(6);
  e.user_id = s.Text(7);
  e.role = s.Text(8);
  e.basis = s.Text(9);
  e.reason = s.Text(10);
  return e;
}

}  // namespace

absl::StatusOr<std::string> SqliteTx::GetWrappedRecordKey(absl::string_view record_id) {
  ASSIGN_OR_RETURN(auto s,
                   conn_->Prepare("SELECT wrapped_key FROM record_keys WHERE record_id = ?"));
  s->Bind(1, record_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no data key for record ", record_id));
  return s->Text(0);
}

absl::Status SqliteTx::PutWrappedRecordKey(absl::string_view record_id,
                                           absl::string_view subject_id,
                                           absl::string_view wrapped_key) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO record_keys (record_id, subject_id, wrapped_key) VALUES (?, ?, ?)"));
  s->Bind(1, record_id).Bind(2, subject_id).BindBlob(3, wrapped_key);
  int rc = s->Exec();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError(absl::StrCat("record ", record_id, " already has a key"));
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
  }
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "put record key");
}

absl::StatusOr<Erasure> SqliteTx::GetErasure(absl::string_view subject_id,
                                             absl::string_view record_id) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kErasureColumns,
      " FROM erasures WHERE subject_id = ? AND IFNULL(record_id, '') = ?");
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(kSql.c_str()));
  s->Bind(1, subject_id).Bind(2, record_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError("not erased");
  return ErasureFromRow(*s);
}

absl::StatusOr<std::vector<Erasure>> SqliteTx::ListErasures(absl::Time from, absl::Time until,
                                                            int64_t after_id, int limit) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kErasureColumns,
      " FROM erasures WHERE erased_at >= ? AND erased_at < ? AND id > ? ORDER BY id LIMIT ?");
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(kSql.c_str()));
  s->Bind(1, ToMicros(from)).Bind(2, ToMicros(until)).Bind(3, after_id).Bind(4, limit);
  std::vector<Erasure> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return out;
    out.push_back(ErasureFromRow(*s));
  }
}

absl::StatusOr<std::vector<RecordHeader>> SqliteTx::ListRecordsUnchangedSince(
    absl::string_view data_class, absl::Time cutoff, int limit) {
  static const std::string kSql = absl::StrCat(
      "SELECT ", kRecordColumns,
      " FROM records r WHERE data_class = ? AND created_at < ?"
      " AND version = (SELECT MAX(version) FROM records WHERE record_id = r.record_id)"
      " AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.subject_id = r.subject_id"
      " AND IFNULL(e.record_id, '') = r.record_id)"
      " ORDER BY created_at, record_id LIMIT ?");
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(kSql.c_str()));
  s->Bind(1, data_class).Bind(2, ToMicros(cutoff)).Bind(3, limit);
  std::vector<RecordHeader> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return out;
    out.push_back(RecordFromRow(*s).header);
  }
}

absl::StatusOr<int64_t> SqliteTx::Erase(const Erasure& e) {
  const bool person = e.record_id.empty();
  ASSIGN_OR_RETURN(auto exists,
                   conn_->Prepare(person ? "SELECT 1 FROM subjects WHERE id = ?"
                                         : "SELECT 1 FROM records WHERE record_id = ? LIMIT 1"));
  exists->Bind(1, person ? e.subject_id : e.record_id);
  ASSIGN_OR_RETURN(bool found, exists->Step());
  if (!found) {
    return absl::NotFoundError(person ? absl::StrCat("no subject ", e.subject_id)
                                      : absl::StrCat("no record ", e.record_id));
  }
  static const std::string kInsert = absl::StrCat(
      "INSERT INTO erasures (subject_id, record_id, record_type, data_class, erased_at, "
      "agency_id, user_id, role, basis, reason) VALUES (?, NULLIF(?, ''), ?, ?, ?, ?, ?, ?, ?, ?)");
  ASSIGN_OR_RETURN(auto insert, conn_->Prepare(kInsert.c_str()));
  insert->Bind(1, e.subject_id).Bind(2, e.record_id).Bind(3, e.record_type).Bind(4, e.data_class)
      .Bind(5, ToMicros(e.erased_at)).Bind(6, e.agency_id).Bind(7, e.user_id).Bind(8, e.role)
      .Bind(9, e.basis).Bind(10, e.reason);
  int rc = insert->Exec();
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return absl::AlreadyExistsError(
        person ? absl::StrCat("subject ", e.subject_id, " is already erased")
               : absl::StrCat("record ", e.record_id, " is already erased"));
  }
  if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "insert erasure");
  const int64_t id = sqlite3_last_insert_rowid(conn_->db());
  static constexpr const char* kPerson[] = {
      "DELETE FROM record_keys WHERE subject_id = ?",
      "DELETE FROM subject_keys WHERE subject_id = ?",
      "DELETE FROM subject_identifiers WHERE subject_id = ?",
      "UPDATE records SET sealed_body = x'' WHERE subject_id = ?"};
  static constexpr const char* kRecord[] = {
      "DELETE FROM record_keys WHERE record_id = ?",
      "UPDATE records SET sealed_body = x'' WHERE record_id = ?"};
  for (const char* sql : person ? absl::MakeConstSpan(kPerson) : absl::MakeConstSpan(kRecord)) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(sql));
    s->Bind(1, person ? e.subject_id : e.record_id);
    RETURN_IF_ERROR(s->ExecStatus());
  }
  return id;
}

}  // namespace throughcare::storage::sqlite_internal
