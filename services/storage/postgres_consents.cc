// Consents: versioned, with the current version of each marked (superseded false).
#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/storage/internal/postgres_rows.h"
#include "services/storage/internal/postgres_tx.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::pg_internal {

namespace {

using sqlite_internal::CheckIdList;

std::vector<Consent> ConsentsFromRows(const Result& r) {
  std::vector<Consent> out;
  for (int i = 0; i < r.rows(); ++i) out.push_back(ConsentFromRow(Row(r, i)));
  return out;
}

absl::Status CheckConsent(const Consent& c) {
  if (c.version < 1) return absl::InvalidArgumentError("consent version must be at least 1");
  RETURN_IF_ERROR(CheckIdList("data_classes", c.data_classes));
  RETURN_IF_ERROR(CheckIdList("recipient_agencies", c.recipient_agencies));
  RETURN_IF_ERROR(CheckIdList("recipient_kinds", c.recipient_kinds));
  return CheckIdList("purposes", c.purposes);
}

}  // namespace

absl::StatusOr<Consent> PgTx::GetConsent(absl::string_view consent_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_CONSENT_COLUMNS " FROM consents WHERE consent_id = $1 "
      "ORDER BY version DESC LIMIT 1",
      Params().Text(consent_id)));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no consent ", consent_id));
  return ConsentFromRow(Row(r, 0));
}

absl::StatusOr<std::vector<Consent>> PgTx::ListConsents(absl::string_view subject_id) {
  // The current versions: on every decision's path, one index range.
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_CONSENT_COLUMNS " FROM consents WHERE subject_id = $1 "
      "AND NOT superseded ORDER BY recorded_at, consent_id",
      Params().Text(subject_id)));
  return ConsentsFromRows(r);
}

absl::StatusOr<std::vector<Consent>> PgTx::ConsentHistory(absl::string_view consent_id) {
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "SELECT " TC_PG_CONSENT_COLUMNS " FROM consents WHERE consent_id = $1 ORDER BY version",
      Params().Text(consent_id)));
  if (r.rows() == 0) return absl::NotFoundError(absl::StrCat("no consent ", consent_id));
  return ConsentsFromRows(r);
}

absl::Status PgTx::InsertConsentVersion(const Consent& c) {
  RETURN_IF_ERROR(CheckConsent(c));
  if (c.version > 1) {
    ASSIGN_OR_RETURN(Result r, conn_->Exec(
        "SELECT COALESCE(MAX(version), 0) FROM consents WHERE consent_id = $1",
        Params().Text(c.consent_id)));
    const int64_t latest = r.Int(0, 0);
    if (latest != c.version - 1) {
      return absl::AbortedError(absl::StrCat("consent ", c.consent_id, " is at version ",
                                             latest, ", not ", c.version - 1));
    }
  }
  ASSIGN_OR_RETURN(Result r, conn_->Exec(
      "INSERT INTO consents (" TC_PG_CONSENT_COLUMNS ") SELECT $1, $2, $3, $4, $5, $6, $7, $8, "
      "$9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19 "
      "WHERE EXISTS (SELECT 1 FROM subjects WHERE id = $3::tc_text) ON CONFLICT DO NOTHING",
      Params()
          .Text(c.consent_id)
          .Int(c.version)
          .Text(c.subject_id)
          .Text(absl::StrJoin(c.data_classes, ","))
          .Text(absl::StrJoin(c.recipient_agencies, ","))
          .Text(absl::StrJoin(c.recipient_kinds, ","))
          .Text(absl::StrJoin(c.purposes, ","))
          .Time(c.valid_from)
          .Time(c.valid_until)
          .Int(static_cast<int64_t>(c.evidence))
          .Text(c.evidence_reference)
          .Text(c.evidence_detail)
          .Text(c.recorded_by_agency)
          .Text(c.recorded_by_user)
          .Time(c.recorded_at)
          .OptionalTime(c.withdrawn_at)
          .Text(c.withdrawn_by_agency)
          .Text(c.withdrawn_by_user)
          .Text(c.withdrawal_reason)));
  if (r.affected() == 0) {
    ASSIGN_OR_RETURN(bool taken, Exists(*conn_,
        "SELECT 1 FROM consents WHERE consent_id = $1 AND version = $2",
        Params().Text(c.consent_id).Int(c.version)));
    if (!taken) return absl::NotFoundError(absl::StrCat("no subject ", c.subject_id));
    return c.version == 1 ? absl::AlreadyExistsError(
                                absl::StrCat("consent ", c.consent_id, " already exists"))
                          : absl::AbortedError(absl::StrCat("consent ", c.consent_id,
                                                            " changed concurrently"));
  }
  if (c.version == 1) return absl::OkStatus();
  return conn_->Exec("UPDATE consents SET superseded = true WHERE consent_id = $1 "
                     "AND version = $2",
                     Params().Text(c.consent_id).Int(c.version - 1))
      .status();
}

}  // namespace throughcare::storage::pg_internal
