// Erasure: per-record data keys, destroying them, and the erasures kept.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "services/storage/internal/postgres_rows.h"
#include "services/storage/internal/postgres_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {
namespace {

#define TC_PG_ERASURE_COLUMNS                                                                     \
  "id, subject_id, COALESCE(record_id, ''), record_type, data_class, erased_at, agency_id, "      \
  "user_id, role, basis, reason"

Erasure ErasureFromRow(const Row& s) {
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

// Destroys the keys (and empties the sealed bodies) an erasure covers.
absl::Status DestroyKeys(Connection& conn, const Erasure& e) {
  static constexpr const char* kPerson[] = {
      "DELETE FROM record_keys WHERE subject_id = $1",
      "DELETE FROM subject_keys WHERE subject_id = $1",
      "DELETE FROM subject_identifiers WHERE subject_id = $1",
      "UPDATE records SET sealed_body = '\\x'::bytea WHERE subject_id = $1"};
  static constexpr const char* kRecord[] = {
      "DELETE FROM record_keys WHERE record_id = $1",
      "UPDATE records SET sealed_body = '\\x'::bytea WHERE record_id = $1"};
  const bool person = e.record_id.empty();
  for (const char* sql : person ? absl::MakeConstSpan(kPerson) : absl::MakeConstSpan(kRecord)) {
    RETURN_IF_ERROR(conn.Exec(sql, Params().Text(person ? e.subject_id : e.record_id)).status());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> PgTx::GetWrappedRecordKey(absl::string_view record_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT wrapped_key FROM record_keys WHERE record_id = $1", Params().Text(record_id)));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no data key for record ", record_id));
  return r.Bytes(0, 0);
}

absl::Status PgTx::PutWrappedRecordKey(absl::string_view record_id, absl::string_view subject_id,
                                       absl::string_view wrapped_key) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO record_keys (record_id, subject_id, wrapped_key) SELECT $1, $2, $3 "
      "WHERE EXISTS (SELECT 1 FROM subjects WHERE id = $2::tc_text) ON CONFLICT DO NOTHING",
      Params().Text(record_id).Text(subject_id).Bytes(wrapped_key)));
  if (r.affected() == 1) return absl::OkStatus();
  ASSIGN_OR_RETURN(bool taken, Exists(*conn_, "SELECT 1 FROM record_keys WHERE record_id = $1",
                                      Params().Text(record_id)));
  if (taken) {
    return absl::AlreadyExistsError(absl::StrCat("record ", record_id, " already has a key"));
  }
  return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
}

absl::StatusOr<Erasure> PgTx::GetErasure(absl::string_view subject_id,
                                         absl::string_view record_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_ERASURE_COLUMNS " FROM erasures WHERE subject_id = $1 "
      "AND COALESCE(record_id, '') = $2",
      Params().Text(subject_id).Text(record_id)));
  if (r.rows() == 0) return absl::NotFoundError("not erased");
  return ErasureFromRow(Row(r, 0));
}

absl::StatusOr<std::vector<Erasure>> PgTx::ListErasures(absl::Time from, absl::Time until,
                                                        int64_t after_id, int limit) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_ERASURE_COLUMNS " FROM erasures WHERE erased_at >= $1 AND erased_at < $2 "
      "AND id > $3 ORDER BY id LIMIT $4",
      Params().Time(from).Time(until).Int(after_id).Int(limit > 0 ? limit : 0)));
  std::vector<Erasure> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ErasureFromRow(Row(r, i)));
  return out;
}

absl::StatusOr<std::vector<RecordHeader>> PgTx::ListRecordsUnchangedSince(
    absl::string_view data_class, absl::Time cutoff, int limit) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_RECORD_COLUMNS " FROM records r WHERE data_class = $1 AND created_at < $2"
      " AND version = (SELECT MAX(version) FROM records WHERE record_id = r.record_id)"
      " AND NOT EXISTS (SELECT 1 FROM erasures e WHERE e.subject_id = r.subject_id"
      " AND COALESCE(e.record_id, '') = r.record_id)"
      " ORDER BY created_at, record_id LIMIT $3",
      Params().Text(data_class).Time(cutoff).Int(limit > 0 ? limit : 0)));
  std::vector<RecordHeader> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(RecordFromRow(Row(r, i)).header);
  return out;
}

absl::StatusOr<int64_t> PgTx::Erase(const Erasure& e) {
  const bool person = e.record_id.empty();
  ASSIGN_OR_RETURN(bool found,
                   Exists(*conn_,
                          person ? "SELECT 1 FROM subjects WHERE id = $1"
                                 : "SELECT 1 FROM records WHERE record_id = $1 LIMIT 1",
                          Params().Text(person ? e.subject_id : e.record_id)));
  if (!found) {
    return absl::NotFoundError(person ? absl::StrCat("no subject ", e.subject_id)
                                      : absl::StrCat("no record ", e.record_id));
  }
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO erasures (subject_id, record_id, record_type, data_class, erased_at, "
      "agency_id, user_id, role, basis, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, "
      "$10) ON CONFLICT DO NOTHING RETURNING id",
      Params().Text(e.subject_id).TextOrNull(e.record_id).Text(e.record_type)
          .Text(e.data_class).Time(e.erased_at).Text(e.agency_id).Text(e.user_id).Text(e.role)
          .Text(e.basis).Text(e.reason)));
  if (r.rows() == 0) {
    return absl::AlreadyExistsError(
        person ? absl::StrCat("subject ", e.subject_id, " is already erased")
               : absl::StrCat("record ", e.record_id, " is already erased"));
  }
  const int64_t id = r.Int(0, 0);
  RETURN_IF_ERROR(DestroyKeys(*conn_, e));
  erased_ = true;
  return id;
}

}  // namespace throughcare::storage::pg_internal
