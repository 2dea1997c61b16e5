// Legitimate relationships, and the break-glass review items.
#include "services/storage/internal/sqlite_tx.h"

#include <sqlite3.h>

#include <cstdint>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/storage/internal/sqlite_encoding.h"
#include "services/storage/internal/sqlite_rows.h"
#include "throughcare/status_macros.h"

namespace throughcare::storage::sqlite_internal {

absl::StatusOr<Relationship> SqliteTx::GetRelationship(absl::string_view relationship_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_RELATIONSHIP_COLUMNS " FROM relationships WHERE relationship_id = ?"));
  s->Bind(1, relationship_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no relationship ", relationship_id));
  return RelationshipFromRow(*s);
}

absl::StatusOr<std::vector<Relationship>> SqliteTx::ListRelationships(
    absl::string_view subject_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "SELECT " TC_RELATIONSHIP_COLUMNS " FROM relationships WHERE subject_id = ? "
      "ORDER BY started_at, rowid"));
  s->Bind(1, subject_id);
  std::vector<Relationship> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(RelationshipFromRow(*s));
  }
  return out;
}

absl::StatusOr<ReviewItem> SqliteTx::GetReviewItem(absl::string_view review_id) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      TC_REVIEW_SELECT "WHERE review_id = ?"));
  s->Bind(1, review_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no review item ", review_id));
  return ReviewItemFromRow(*s);
}

absl::StatusOr<std::vector<ReviewItem>> SqliteTx::ListReviewItems(bool open_only,
                                                                  int64_t after_audit_entry,
                                                                  int limit) {
  // Two statements rather than one with an "?1 OR ..." filter, so that each uses its index.
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      open_only ? TC_REVIEW_SELECT "WHERE outcome = ?3 "
                  "AND audit_entry > ?1 ORDER BY audit_entry, review_id LIMIT ?2"
                : TC_REVIEW_SELECT "WHERE audit_entry > ?1 "
                  "ORDER BY audit_entry, review_id LIMIT ?2"));
  // SQLite reads a negative LIMIT as "no limit"; a non-positive one returns nothing here.
  s->Bind(1, after_audit_entry).Bind(2, static_cast<int64_t>(limit > 0 ? limit : 0));
  if (open_only) s->Bind(3, static_cast<int64_t>(ReviewOutcome::kOpen));
  std::vector<ReviewItem> out;
  while (true) {
    ASSIGN_OR_RETURN(bool row, s->Step());
    if (!row) break;
    out.push_back(ReviewItemFromRow(*s));
  }
  return out;
}

absl::Status SqliteTx::InsertRelationship(const Relationship& r) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO relationships (" TC_RELATIONSHIP_COLUMNS ") VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s->Bind(1, r.relationship_id)
      .Bind(2, r.subject_id)
      .Bind(3, static_cast<int64_t>(r.kind))
      .Bind(4, r.agency_id)
      .Bind(5, r.user_id)
      .Bind(6, ToMicros(r.started_at))
      .BindOptionalTime(7, r.ended_at)
      .Bind(8, r.started_by_agency)
      .Bind(9, r.started_by_user)
      .Bind(10, r.ended_by_user)
      .Bind(11, r.note);
  int rc = s->Exec();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError(
        absl::StrCat("relationship ", r.relationship_id, " already exists"));
  }
  if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
    return absl::NotFoundError(absl::StrCat("no subject ", r.subject_id));
  }
  return rc == SQLITE_OK ? absl::OkStatus()
                         : SqliteError(conn_->db(), rc, "insert relationship");
}

absl::Status SqliteTx::EndRelationship(absl::string_view relationship_id, absl::Time ended_at,
                                       absl::string_view ended_by_user) {
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "UPDATE relationships SET ended_at = ?, ended_by_user = ? "
        "WHERE relationship_id = ? AND ended_at IS NULL"));
    s->Bind(1, ToMicros(ended_at)).Bind(2, ended_by_user).Bind(3, relationship_id);
    RETURN_IF_ERROR(s->ExecStatus());
    if (sqlite3_changes(conn_->db()) == 1) return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto s,
                   conn_->Prepare("SELECT 1 FROM relationships WHERE relationship_id = ?"));
  s->Bind(1, relationship_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no relationship ", relationship_id));
  return absl::FailedPreconditionError(
      absl::StrCat("relationship ", relationship_id, " has already ended"));
}

absl::Status SqliteTx::InsertReviewItem(const ReviewItem& item) {
  ASSIGN_OR_RETURN(auto s, conn_->Prepare(
      "INSERT INTO review_items (" TC_REVIEW_COLUMNS ") VALUES "
      "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  s->Bind(1, item.review_id)
      .Bind(2, item.audit_entry)
      .Bind(3, item.subject_id)
      .Bind(4, item.agency_id)
      .Bind(5, item.user_id)
      .Bind(6, item.role)
      .Bind(7, item.reason)
      .Bind(8, ToMicros(item.opened_at))
      .Bind(9, static_cast<int64_t>(item.outcome))
      .Bind(10, item.closed_by_agency)
      .Bind(11, item.closed_by_user)
      .BindOptionalTime(12, item.closed_at)
      .Bind(13, item.note);
  int rc = s->Exec();
  if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError(
        absl::StrCat("review item ", item.review_id, " already exists"));
  }
  return rc == SQLITE_OK ? absl::OkStatus() : SqliteError(conn_->db(), rc, "insert review item");
}

absl::Status SqliteTx::CloseReviewItem(const ReviewItem& closed) {
  if (closed.outcome == ReviewOutcome::kOpen) {
    return absl::InvalidArgumentError("a review item cannot be closed with outcome open");
  }
  if (!closed.closed_at.has_value()) {
    return absl::InvalidArgumentError("closing a review item needs closed_at");
  }
  {
    ASSIGN_OR_RETURN(auto s, conn_->Prepare(
        "UPDATE review_items SET outcome = ?, closed_by_agency = ?, closed_by_user = ?, "
        "closed_at = ?, note = ? WHERE review_id = ? AND outcome = ?"));
    s->Bind(1, static_cast<int64_t>(closed.outcome))
        .Bind(2, closed.closed_by_agency)
        .Bind(3, closed.closed_by_user)
        .BindOptionalTime(4, closed.closed_at)
        .Bind(5, closed.note)
        .Bind(6, closed.review_id)
        .Bind(7, static_cast<int64_t>(ReviewOutcome::kOpen));
    RETURN_IF_ERROR(s->ExecStatus());
    if (sqlite3_changes(conn_->db()) == 1) return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(auto s, conn_->Prepare("SELECT 1 FROM review_items WHERE review_id = ?"));
  s->Bind(1, closed.review_id);
  ASSIGN_OR_RETURN(bool row, s->Step());
  if (!row) return absl::NotFoundError(absl::StrCat("no review item ", closed.review_id));
  return absl::FailedPreconditionError(
      absl::StrCat("review item ", closed.review_id, " is already closed"));
}

}  // namespace throughcare::storage::sqlite_internal
