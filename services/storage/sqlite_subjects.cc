// Subjects: the person, their linked identifiers and their wrapped data key.
#include "services/storage/internal/sqlite_tx.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

absl::StatusOr<Subject> SqliteTx::GetSubject(absl::string_view subject_id) {
  Subject subject;
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT id, home_area, registered_by, registered_at FROM subjects WHERE id = ?"));
    s->Bind(1, subject_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
    subject.id = s->Text(0);
    subject.home_area = s->Text(1);
    subject.registered_by_agency = s->Text(2);
    subject.registered_at = FromMicros(s->Int(3));
  }
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT kind, value, linked_by, linked_at FROM subject_identifiers "
      "WHERE subject_id = ? ORDER BY kind, value"));
  s->Bind(1, subject_id);
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    subject.identifiers.push_back(Identifier{static_cast<IdentifierKind>(s->Int(0)),
                                             s->Text(1), s->Text(2), FromMicros(s->Int(3))});
  }
  return subject;
}

absl::StatusOr<std::string> SqliteTx::FindSubjectByIdentifier(IdentifierKind kind,
                                                              absl::string_view value) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT subject_id FROM subject_identifiers WHERE kind = ? AND value = ?"));
  s->Bind(1, static_cast<int64_t>(kind)).Bind(2, value);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError("identifier is not linked to any subject");
  return s->Text(0);
}

absl::StatusOr<std::string> SqliteTx::GetWrappedSubjectKey(absl::string_view subject_id) {
  ASSIGN_OR_RETURN(auto s,
                   conn_->Prepare("SELECT wrapped_key FROM subject_keys WHERE subject_id = ?"));
  s->Bind(1, subject_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no data key for subject ", subject_id));
  return s->Text(0);
}

absl::Status SqliteTx::InsertSubject(const Subject& subject) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO subjects (id, home_area, registered_by, registered_at) VALUES (?, ?, ?, ?)"));
  s->Bind(1, subject.id)
      .Bind(2, subject.home_area)
      .Bind(3, subject.registered_by_agency)
      .Bind(4, ToMicros(subject.registered_at));
  int rc = s->Exec();
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    return absl::AlreadyExistsError(absl::StrCat("subject ", subject.id, " already exists"));
  }
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "insert subject");
}

absl::Status SqliteTx::SetHomeArea(absl::string_view subject_id, absl::string_view home_area) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("UPDATE subjects SET home_area = ? WHERE id = ?"));
  s->Bind(1, home_area).Bind(2, subject_id);
  RETURN_IF_ERROR(s->ExecStatus());
  if (sqlite3_changes(conn_->db()) == 0) {
    return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
  }
  return absl::OkStatus();
}

absl::Status SqliteTx::LinkIdentifier(absl::string_view subject_id, const Identifier& identifier) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO subject_identifiers (kind, value, subject_id, linked_by, linked_at) "
      "VALUES (?, ?, ?, ?, ?)"));
  s->Bind(1, static_cast<int64_t>(identifier.kind))
      .Bind(2, identifier.value)
      .Bind(3, subject_id)
      .Bind(4, identifier.linked_by_agency)
      .Bind(5, ToMicros(identifier.linked_at));
  int rc = s->Exec();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError("identifier is already linked to a subject");
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
  }
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "link identifier");
}

absl::Status SqliteTx::UnlinkIdentifier(absl::string_view subject_id, IdentifierKind kind,
                                        absl::string_view value) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "DELETE FROM subject_identifiers WHERE subject_id = ? AND kind = ? AND value = ?"));
  s->Bind(1, subject_id).Bind(2, static_cast<int64_t>(kind)).Bind(3, value);
  RETURN_IF_ERROR(s->ExecStatus());
  if (sqlite3_changes(conn_->db()) == 0) {
    return absl::NotFoundError("identifier is not linked to this subject");
  }
  return absl::OkStatus();
}

absl::Status SqliteTx::PutWrappedSubjectKey(absl::string_view subject_id,
                                            absl::string_view wrapped_key) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO subject_keys (subject_id, wrapped_key) VALUES (?, ?)"));
  s->Bind(1, subject_id).BindBlob(2, wrapped_key);
  int rc = s->Exec();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError(absl::StrCat("subject ", subject_id, " already has a key"));
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
  }
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "put subject key");
}

}  // namespace throughcare::storage::sqlite_internal
