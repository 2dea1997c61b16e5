// Subjects: the person, their linked identifiers and their wrapped data key.
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/storage/internal/postgres_rows.h"
#include "services/storage/internal/postgres_tx.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {

absl::StatusOr<Subject> PgTx::GetSubject(absl::string_view subject_id) {
  Subject subject;
  {
    ASSIGN_OR_RETURN(Result r, conn_->Exec(
        "SELECT id, home_area, registered_by, registered_at FROM subjects WHERE id = $1",
        Params().Text(subject_id)));
    if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
    subject.id = r.Text(0, 0);
    subject.home_area = r.Text(0, 1);
    subject.registered_by_agency = r.Text(0, 2);
    subject.registered_at = r.Time(0, 3);
  }
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT kind, value, linked_by, linked_at FROM subject_identifiers "
      "WHERE subject_id = $1 ORDER BY kind, value",
      Params().Text(subject_id)));
  for (int i = 0; i < r.rows(); ++i) {
    subject.identifiers.push_back(Identifier{static_cast<IdentifierKind>(r.Int(i, 0)),
                                             r.Text(i, 1), r.Text(i, 2), r.Time(i, 3)});
  }
  return subject;
}

absl::StatusOr<std::string> PgTx::FindSubjectByIdentifier(IdentifierKind kind,
                                                          absl::string_view value) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT subject_id FROM subject_identifiers WHERE kind = $1 AND value = $2",
      Params().Int(static_cast<int64_t>(kind)).Text(value)));
  if (r.rows() == 0) return absl::NotFoundError("identifier is not linked to any subject");
  return r.Text(0, 0);
}

absl::StatusOr<std::string> PgTx::GetWrappedSubjectKey(absl::string_view subject_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT wrapped_key FROM subject_keys WHERE subject_id = $1", Params().Text(subject_id)));
  if (r.rows() == 0) {
    return absl::NotFoundError(absl::StrCat("no data key for subject ", subject_id));
  }
  return r.Bytes(0, 0);
}

absl::Status PgTx::InsertSubject(const Subject& subject) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO subjects (id, home_area, registered_by, registered_at) "
      "VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
      Params()
          .Text(subject.id)
          .Text(subject.home_area)
          .Text(subject.registered_by_agency)
          .Time(subject.registered_at)));
  if (r.affected() == 0) {
    return absl::AlreadyExistsError(absl::StrCat("subject ", subject.id, " already exists"));
  }
  return absl::OkStatus();
}

absl::Status PgTx::SetHomeArea(absl::string_view subject_id, absl::string_view home_area) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec("UPDATE subjects SET home_area = $1 WHERE id = $2",
                                         Params().Text(home_area).Text(subject_id)));
  if (r.affected() == 0) return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
  return absl::OkStatus();
}

absl::Status PgTx::LinkIdentifier(absl::string_view subject_id, const Identifier& identifier) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO subject_identifiers (kind, value, subject_id, linked_by, linked_at) "
      "SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM subjects WHERE id = $3::tc_text) "
      "ON CONFLICT DO NOTHING",
      Params()
          .Int(static_cast<int64_t>(identifier.kind))
          .Text(identifier.value)
          .Text(subject_id)
          .Text(identifier.linked_by_agency)
          .Time(identifier.linked_at)));
  if (r.affected() == 1) return absl::OkStatus();
  ASSIGN_OR_RETURN(bool linked, Exists(*conn_,
      "SELECT 1 FROM subject_identifiers WHERE kind = $1 AND value = $2",
      Params().Int(static_cast<int64_t>(identifier.kind)).Text(identifier.value)));
  if (linked) return absl::AlreadyExistsError("identifier is already linked to a subject");
  return absl::NotFoundError(absl::StrCat("no subject ", subject_id));
}

absl::Status PgTx::UnlinkIdentifier(absl::string_view subject_id, IdentifierKind kind,
                                    absl::string_view value) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "DELETE FROM subject_identifiers WHERE subject_id = $1 AND kind = $2 AND value = $3",
      Params().Text(subject_id).Int(static_cast<int64_t>(kind)).Text(value)));
  if (r.affected() == 0) return absl::NotFoundError("identifier is not linked to this subject");
  return absl::OkStatus();
}

absl::Status PgTx::PutWrappedSubjectKey(absl::string_view subject_id,
                                        absl::string_view wrapped_key) {
  RETURN_IF_ERROR(RequireSubject(*conn_, subject_id));
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO subject_keys (subject_id, wrapped_key) VALUES ($1, $2) "
      "ON CONFLICT DO NOTHING",
      Params().Text(subject_id).Bytes(wrapped_key)));
  if (r.affected() == 0) {
    return absl::AlreadyExistsError(absl::StrCat("subject ", subject_id, " already has a key"));
  }
  return absl::OkStatus();
}

}  // namespace throughcare::storage::pg_internal
