// Consents: versioned, with the current version of each marked (see migration 3).
#include "services/storage/internal/sqlite_tx.h"

#include <sqlite3.h>

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/internal/sqlite_rows.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

absl::StatusOr<Consent> SqliteTx::GetConsent(absl::string_view consent_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_CONSENT_COLUMNS " FROM consents WHERE consent_id = ? "
      "ORDER BY version DESC LIMIT 1"));
  s->Bind(1, consent_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no consent ", consent_id));
  return ConsentFromRow(*s);
}

absl::StatusOr<std::vector<Consent>> SqliteTx::ListConsents(absl::string_view subject_id) {
  // The current versions. This is on every decision's path: one index range and a sort of a
  // handful of rows.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_CONSENT_COLUMNS " FROM consents WHERE subject_id = ? AND superseded = 0 "
      "ORDER BY recorded_at, consent_id"));
  s->Bind(1, subject_id);
  std::vector<Consent> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ConsentFromRow(*s));
  }
  return out;
}

absl::StatusOr<std::vector<Consent>> SqliteTx::ConsentHistory(absl::string_view consent_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_CONSENT_COLUMNS " FROM consents WHERE consent_id = ? ORDER BY version"));
  s->Bind(1, consent_id);
  std::vector<Consent> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ConsentFromRow(*s));
  }
  if (out.empty()) return absl::NotFoundError(absl::StrCat("no consent ", consent_id));
  return out;
}

absl::Status SqliteTx::InsertConsentVersion(const Consent& c) {
  if (c.version < 1) return absl::InvalidArgumentError("consent version must be at least 1");
  RETURN_IF_ERROR(CheckIdList("data_classes", c.data_classes));
  RETURN_IF_ERROR(CheckIdList("recipient_agencies", c.recipient_agencies));
  RETURN_IF_ERROR(CheckIdList("recipient_kinds", c.recipient_kinds));
  RETURN_IF_ERROR(CheckIdList("purposes", c.purposes));
  if (c.version > 1) {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "SELECT COALESCE(MAX(version), 0) FROM consents WHERE consent_id = ?"));
    s->Bind(1, c.consent_id);
    ASSIGN_OR_RETURN(bool row, s->Step());
    int64_t latest = row ? s->Int(0) : 0;
    if (latest != c.version - 1) {
      return absl::AbortedError(absl::StrCat("consent ", c.consent_id, " is at version ",
                                             latest, ", not ", c.version - 1));
    }
  }
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO consents (" TC_CONSENT_COLUMNS ") VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s->Bind(1, c.consent_id)
      .Bind(2, c.version)
      .Bind(3, c.subject_id)
      .Bind(4, absl::StrJoin(c.data_classes, ","))
      .Bind(5, absl::StrJoin(c.recipient_agencies, ","))
      .Bind(6, absl::StrJoin(c.recipient_kinds, ","))
      .Bind(7, absl::StrJoin(c.purposes, ","))
      .Bind(8, ToMicros(c.valid_from))
      .Bind(9, ToMicros(c.valid_until))
      .Bind(10, static_cast<int64_t>(c.evidence))
      .Bind(11, c.evidence_reference)
      .Bind(12, c.evidence_detail)
      .Bind(13, c.recorded_by_agency)
      .Bind(14, c.recorded_by_user)
      .Bind(15, ToMicros(c.recorded_at))
      .BindOptionalTime(16, c.withdrawn_at)
      .Bind(17, c.withdrawn_by_agency)
      .Bind(18, c.withdrawn_by_user)
      .Bind(19, c.withdrawal_reason);
  int rc = s->Exec();
  if (rc == SQLITE_OK && c.version > 1) {
    ASSIGN_OR_RETURN(auto mark, conn_->Prepare(
        "UPDATE consents SET superseded = 1 WHERE consent_id = ? AND version = ?"));
    mark->Bind(1, c.consent_id).Bind(2, c.version - 1);
    RETURN_IF_ERROR(mark->ExecStatus());
  }
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return c.version == 1 ? absl::AlreadyExistsError(
                                absl::StrCat("consent ", c.consent_id, " already exists"))
                          : absl::AbortedError(absl::StrCat("consent ", c.consent_id,
                                                            " changed concurrently"));
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return absl::NotFoundError(absl::StrCat("no subject ", c.subject_id));
  }
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "insert consent");
}

}  // namespace throughcare::storage::sqlite_internal
